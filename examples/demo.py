"""lamina demo: a Keras program, unchanged but for its import line.

Trains an MLP on the handwritten digits that ship inside lamina (UCI optical digits,
8x8 images), prints the model's summary, the training progress and the test accuracy,
then shows the layer below Keras: a GradientTape over lamina.ops.
"""

import time

import numpy as np

import lamina as keras
from lamina import ops


def keras_program() -> None:
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0

    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="digits_mlp")
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1, verbose=2)
    elapsed = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {accuracy:.4f} (loss {loss:.4f}); 15 epochs in {elapsed:.2f} s")


def tape_program() -> None:
    """The layer below: differentiate an expression over lamina.ops with a tape."""
    x = keras.Variable(np.linspace(-2.0, 2.0, 5).astype("float32"), name="x")
    with keras.GradientTape() as tape:
        y = ops.sum(ops.tanh(x) ** 2)
    grad = tape.gradient(y, x)
    print("d/dx sum(tanh(x)^2) at", np.round(x.numpy(), 2), "=", np.round(np.asarray(grad), 4))


if __name__ == "__main__":
    keras_program()
    tape_program()
