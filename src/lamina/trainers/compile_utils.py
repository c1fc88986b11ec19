"""What `compile` resolves: the loss (with per-output losses and loss weights) and
the metrics (with Keras's "accuracy" resolution and history names)."""

from __future__ import annotations

from lamina.ops import add, convert_to_tensor, multiply


def _flat_outputs(y_pred) -> list:
    return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]


class CompileLoss:
    """The compiled loss: one loss, or one per output (a list, or a dict keyed by
    output name), each scaled by `loss_weights`."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._config = loss
        self.loss_weights = loss_weights
        self.output_names = output_names
        wrap = _as_loss
        if isinstance(loss, dict):
            if not output_names:
                raise ValueError("compile: a dict of losses needs a model with named outputs")
            unknown = set(loss) - set(output_names)
            if unknown:
                raise ValueError(f"compile: loss keys {sorted(unknown)} do not match the model's "
                                 f"output names {list(output_names)}")
            self.losses = [wrap(loss[name]) if name in loss else None
                           for name in output_names]
        elif isinstance(loss, (list, tuple)):
            self.losses = [wrap(item) if item is not None else None for item in loss]
        else:
            self.losses = [wrap(loss)]
        if isinstance(loss_weights, dict):
            self.weights = [float(loss_weights.get(n, 1.0)) for n in (output_names or [])]
        elif isinstance(loss_weights, (list, tuple)):
            self.weights = [float(w) for w in loss_weights]
        elif loss_weights is None:
            self.weights = [1.0] * len(self.losses)
        else:
            self.weights = [float(loss_weights)] * len(self.losses)
        if len(self.weights) != len(self.losses):
            raise ValueError(f"compile: {len(self.weights)} loss_weights for {len(self.losses)} "
                             "losses")

    def __call__(self, y_true, y_pred, sample_weight=None):
        preds = _flat_outputs(y_pred)
        trues = _flat_outputs(y_true) if len(preds) > 1 else [y_true]
        if len(self.losses) != len(preds):
            if len(self.losses) == 1:
                fns, weights = self.losses * len(preds), self.weights * len(preds)
            else:
                raise ValueError(f"The model has {len(preds)} outputs but {len(self.losses)} "
                                 "losses were given to compile")
        else:
            fns, weights = self.losses, self.weights
        if len(trues) != len(preds):
            raise ValueError(f"The model has {len(preds)} outputs but y has {len(trues)} entries")
        total = None
        for fn, w, yt, yp in zip(fns, weights, trues, preds):
            if fn is None:
                continue
            value = fn(yt, yp, sample_weight=sample_weight)
            if w != 1.0:
                value = multiply(value, w)
            total = value if total is None else add(total, value)
        if total is None:
            raise ValueError("compile: no loss to compute (every loss is None)")
        return total

    def get_config(self):
        return self._config


def _as_loss(identifier):
    """A `Loss` object: loss functions (e.g. "mse" resolves to one) are wrapped so
    that they reduce per-sample values and honour sample weights, as in Keras."""
    from lamina import losses

    fn = losses.get(identifier)
    if isinstance(fn, losses.Loss):
        return fn
    name = identifier if isinstance(identifier, str) else getattr(fn, "__name__", None)
    return losses.LossFunctionWrapper(fn, name=name)


class CompileMetrics:
    """The compiled metrics and weighted metrics, in Keras's order and names."""

    def __init__(self, metrics, weighted_metrics, loss=None):
        self._metrics_config = metrics
        self._weighted_config = weighted_metrics
        self._loss = loss
        self.metrics: list = []
        self.weighted: list = []
        self.built = False

    def build(self, y_true, y_pred) -> None:
        from lamina import metrics as metrics_module

        def resolve(items, prefix: str = ""):
            out = []
            for m in _as_list(items):
                obj = metrics_module.get_metric_for_compile(m, y_true, y_pred)
                if obj is None:
                    continue
                if prefix:
                    obj.name = prefix + obj.name
                out.append(obj)
            return out

        self.metrics = resolve(self._metrics_config)
        self.weighted = resolve(self._weighted_config, "weighted_" if self._metrics_config else "")
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self.built:
            self.build(y_true, y_pred)
        for m in self.metrics:
            m.update_state(y_true, y_pred)
        for m in self.weighted:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self) -> None:
        for m in self.metrics + self.weighted:
            m.reset_state()

    def result(self) -> dict:
        out = {}
        for m in self.metrics + self.weighted:
            value = m.result()
            if isinstance(value, dict):
                out.update(value)
            else:
                out[m.name] = value
        return out

    @property
    def variables(self) -> list:
        return [v for m in self.metrics + self.weighted for v in m.variables]


def _as_list(items) -> list:
    if items is None:
        return []
    if isinstance(items, dict):
        raise ValueError("compile: per-output metrics (a dict) need the functional API, which "
                         "lamina does not have yet; pass a list")
    if isinstance(items, (list, tuple)):
        return list(items)
    return [items]


def to_float(value) -> float:
    return float(convert_to_tensor(value))
