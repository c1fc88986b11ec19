"""NumPy reference implementations of Keras 3's optimizer formulas (test helper).

Everything is computed in the variables' dtype with scalars cast to it, as Keras's
ops do, so float32 results can be compared tightly.
"""

from __future__ import annotations

import numpy as np

DEFAULTS = {
    "sgd": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
    "adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "adamw": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                  weight_decay=0.004),
    "rmsprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
    "adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7),
    "adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-7),
    "adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "lion": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.99),
}


class Reference:
    """Runs Keras's update rule for optimizer `name` on a list of NumPy arrays."""

    def __init__(self, name: str, params: list[np.ndarray], **kwargs):
        self.name = name
        self.cfg = dict(DEFAULTS[name])
        self.cfg.update(kwargs)
        self.params = [np.array(p) for p in params]
        self.dt = self.params[0].dtype
        self.iterations = 0
        self.slots = [self._init_slots(p) for p in self.params]
        self.averages = [p.copy() for p in self.params]
        self.accumulators = [np.zeros_like(p) for p in self.params]
        self.u_product = self.c(1.0)

    def c(self, x):
        return self.dt.type(x)

    def _init_slots(self, p):
        z = lambda: np.zeros_like(p)  # noqa: E731
        if self.name == "adagrad":
            return {"acc": np.full_like(p, self.cfg["initial_accumulator_value"])}
        return {"m": z(), "v": z(), "vh": z(), "avg": z()}

    def lr(self, schedule=None):
        if schedule is not None:
            return np.float32(schedule(self.iterations))
        return np.float32(self.cfg["learning_rate"])

    # ---------------------------------------------------------------- driver
    def apply(self, grads: list[np.ndarray], schedule=None) -> None:
        cfg, c = self.cfg, self.c
        grads = [np.asarray(g, dtype=self.dt) for g in grads]
        if cfg.get("loss_scale_factor") is not None:
            grads = [g / c(cfg["loss_scale_factor"]) for g in grads]
        steps = cfg.get("gradient_accumulation_steps")
        if steps:
            if (self.iterations + 1) % steps == 0:
                grads = [(g + a) / c(steps) for g, a in zip(grads, self.accumulators)]
                self._update(grads, schedule)
                self.accumulators = [np.zeros_like(a) for a in self.accumulators]
            else:
                self.accumulators = [a + g for a, g in zip(self.accumulators, grads)]
        else:
            self._update(grads, schedule)
        if cfg.get("use_ema"):
            count = self.step_count()
            mom = c(cfg.get("ema_momentum", 0.99)) * c(count != 0)
            self.averages = [mom * a + (c(1) - mom) * p for a, p in zip(self.averages, self.params)]
            freq = cfg.get("ema_overwrite_frequency")
            if freq and (count + 1) % freq == 0:
                self.params = [a.copy() for a in self.averages]
        self.iterations += 1

    def step_count(self) -> int:
        steps = self.cfg.get("gradient_accumulation_steps")
        return self.iterations // steps if steps else self.iterations

    def _update(self, grads, schedule) -> None:
        cfg, c = self.cfg, self.c
        if cfg.get("clipnorm"):
            cn = c(cfg["clipnorm"])
            grads = [g * cn / max(np.sqrt(np.sum(g * g)), cn) for g in grads]
        elif cfg.get("global_clipnorm"):
            cn = c(cfg["global_clipnorm"])
            norm = np.sqrt(np.sum([np.sum(g * g) for g in grads]).astype(self.dt))
            scale = cn * min(c(1) / norm, c(1) / cn)
            grads = [g * scale for g in grads]
        elif cfg.get("clipvalue"):
            cv = cfg["clipvalue"]
            grads = [np.clip(g, -cv, cv) for g in grads]
        lr = c(self.lr(schedule))
        exclude = cfg.get("exclude", ())
        if cfg.get("weight_decay") is not None:
            wd = c(cfg["weight_decay"])
            self.params = [p if i in exclude else p - p * wd * lr
                           for i, p in enumerate(self.params)]
        if self.name == "nadam":
            t = c(self.step_count() + 1)
            self.u_product = self.u_product * c(cfg["beta_1"]) * (c(1) - c(0.5) * c(0.96) ** t)
        for i, g in enumerate(grads):
            self.params[i] = getattr(self, "_" + self.name)(self.params[i], g, self.slots[i], lr)

    # ----------------------------------------------------------------- rules
    def _sgd(self, p, g, s, lr):
        c, mom = self.c, self.cfg["momentum"]
        if mom == 0:
            return p - g * lr
        s["m"] = s["m"] * c(mom) - g * lr
        if self.cfg["nesterov"]:
            return p + (s["m"] * c(mom) - g * lr)
        return p + s["m"]

    def _adam(self, p, g, s, lr):
        c, cfg = self.c, self.cfg
        t = c(self.step_count() + 1)
        b1p, b2p = c(cfg["beta_1"]) ** t, c(cfg["beta_2"]) ** t
        alpha = lr * np.sqrt(c(1) - b2p) / (c(1) - b1p)
        s["m"] = s["m"] + (g - s["m"]) * c(1 - cfg["beta_1"])
        s["v"] = s["v"] + (g * g - s["v"]) * c(1 - cfg["beta_2"])
        v = s["v"]
        if cfg["amsgrad"]:
            s["vh"] = np.maximum(s["vh"], s["v"])
            v = s["vh"]
        return p - (s["m"] * alpha) / (np.sqrt(v) + c(cfg["epsilon"]))

    _adamw = _adam

    def _rmsprop(self, p, g, s, lr):
        c, cfg = self.c, self.cfg
        rho = c(cfg["rho"])
        s["v"] = rho * s["v"] + c(1 - cfg["rho"]) * g * g
        if cfg["centered"]:
            s["avg"] = rho * s["avg"] + c(1 - cfg["rho"]) * g
            denom = s["v"] - s["avg"] * s["avg"] + c(cfg["epsilon"])
        else:
            denom = s["v"] + c(cfg["epsilon"])
        inc = lr * g / np.sqrt(denom)
        if cfg["momentum"] > 0:
            s["m"] = c(cfg["momentum"]) * s["m"] + inc
            return p - s["m"]
        return p - inc

    def _adagrad(self, p, g, s, lr):
        s["acc"] = s["acc"] + g * g
        return p - lr * g / np.sqrt(s["acc"] + self.c(self.cfg["epsilon"]))

    def _adadelta(self, p, g, s, lr):
        c, cfg = self.c, self.cfg
        rho, eps = c(cfg["rho"]), c(cfg["epsilon"])
        s["m"] = rho * s["m"] + c(1 - cfg["rho"]) * g * g  # accumulated grad
        delta = -np.sqrt(s["v"] + eps) * g / np.sqrt(s["m"] + eps)
        s["v"] = rho * s["v"] + c(1 - cfg["rho"]) * delta * delta  # accumulated delta
        return p + lr * delta

    def _adamax(self, p, g, s, lr):
        c, cfg = self.c, self.cfg
        t = c(self.step_count() + 1)
        b1p = c(cfg["beta_1"]) ** t
        s["m"] = s["m"] + (g - s["m"]) * c(1 - cfg["beta_1"])
        s["v"] = np.maximum(c(cfg["beta_2"]) * s["v"], np.abs(g))
        return p - (lr * s["m"]) / ((c(1) - b1p) * (s["v"] + c(cfg["epsilon"])))

    def _nadam(self, p, g, s, lr):
        c, cfg = self.c, self.cfg
        t = c(self.step_count() + 1)
        b1, b2 = c(cfg["beta_1"]), c(cfg["beta_2"])
        u_t = b1 * (c(1) - c(0.5) * c(0.96) ** t)
        u_t1 = b1 * (c(1) - c(0.5) * c(0.96) ** (t + c(1)))
        up, up1 = self.u_product, self.u_product * u_t1
        s["m"] = s["m"] + (g - s["m"]) * (c(1) - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (c(1) - b2)
        m_hat = u_t1 * s["m"] / (c(1) - up1) + (c(1) - u_t) * g / (c(1) - up)
        v_hat = s["v"] / (c(1) - b2 ** t)
        return p - m_hat * lr / (np.sqrt(v_hat) + c(cfg["epsilon"]))

    def _lion(self, p, g, s, lr):
        c, cfg = self.c, self.cfg
        b1, b2 = c(cfg["beta_1"]), c(cfg["beta_2"])
        out = p - lr * np.sign(s["m"] * b1 + g * (c(1) - b1))
        s["m"] = s["m"] * b2 + g * (c(1) - b2)
        return out

