"""What `compile` resolves: the loss (with per-output losses and loss weights) and
the metrics (with Keras's "accuracy" resolution and history names), for one output
or several (lists in output order, or dicts keyed by output name)."""

from __future__ import annotations

from lamina.ops import add, convert_to_tensor, multiply


def _flat_outputs(y_pred) -> list:
    if isinstance(y_pred, dict):
        return [y_pred[k] for k in sorted(y_pred)]
    return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]


def align_outputs(y_true, y_pred, output_names=None, what: str = "y"):
    """(y_true list, y_pred list, names) in the model's output order.

    `y_pred` may be one tensor, a list, or a dict (its keys name the outputs);
    `y_true` may be one array, a list in output order, or a dict keyed by output
    name. Example: `align_outputs({"b": yb, "a": ya}, [pa, pb], ["a", "b"])` gives
    `([ya, yb], [pa, pb], ["a", "b"])`.
    """
    if isinstance(y_pred, dict):
        names = sorted(y_pred)
    else:
        names = list(output_names) if output_names else None
    preds = _flat_outputs(y_pred)
    if names is not None and len(names) != len(preds):
        names = None
    if isinstance(y_true, dict):
        if names is None:
            if len(preds) == 1 and len(y_true) == 1:
                return list(y_true.values()), preds, None
            raise ValueError(f"{what} is a dict (keys {sorted(y_true)}), but the model's "
                             "outputs have no names; pass a list in output order")
        unknown = sorted(set(y_true) - set(names))
        if unknown:
            raise ValueError(f"{what} has keys {unknown} that are not output names of the "
                             f"model; its outputs are {names}")
        return [y_true.get(n) for n in names], preds, names
    if len(preds) == 1:
        if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
            y_true = y_true[0]
        return [y_true], preds, names
    if not isinstance(y_true, (list, tuple)) or len(y_true) != len(preds):
        got = len(y_true) if isinstance(y_true, (list, tuple)) else 1
        raise ValueError(f"The model has {len(preds)} outputs {names or ''} but {what} has "
                         f"{got} entries; pass a list in output order or a dict keyed by "
                         "output name")
    return list(y_true), preds, names


def _per_output(spec, n: int, names, what: str, single) -> list:
    """`spec` (one item, a list with one entry per output, or a dict keyed by output
    name) as one entry per output; `single(item)` converts an entry."""
    if isinstance(spec, dict):
        if not names:
            raise ValueError(f"compile: a dict of {what} needs a model with named outputs "
                             "(a functional model)")
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"compile: {what} keys {unknown} do not match the model's "
                             f"output names {list(names)}")
        return [single(spec[name]) if spec.get(name) is not None else None for name in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError(f"compile: {len(spec)} {what} for a model with {n} outputs "
                             f"{list(names) if names else ''}")
        return [single(item) if item is not None else None for item in spec]
    return [single(spec)] * n


class CompileLoss:
    """The compiled loss: one loss, or one per output (a list, or a dict keyed by
    output name), each scaled by `loss_weights`. With several outputs, each
    output's unweighted loss is tracked as a metric named "<output>_loss"."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._config = loss
        self.loss_weights = loss_weights
        self.output_names = list(output_names) if output_names else None
        self.metrics: list = []
        self._built_for = None
        n = len(self.output_names) if self.output_names else None
        # Resolve now what can be resolved (bad names fail at compile).
        if n is not None:
            self._build(n, self.output_names)
        elif isinstance(loss, dict):
            raise ValueError("compile: a dict of losses needs a model with named outputs (a "
                             "functional model)")
        else:  # outputs known at the first call; check the names now
            for item in (loss if isinstance(loss, (list, tuple)) else [loss]):
                if item is not None:
                    _as_loss(item)

    def _build(self, n: int, names) -> None:
        from lamina import metrics as metrics_module

        spec = self._config
        if n > 1 and not isinstance(spec, (list, tuple, dict)):
            self.losses = [_as_loss(spec)] * n
        elif n == 1 and isinstance(spec, (list, tuple)) and len(spec) == 1:
            self.losses = [_as_loss(spec[0]) if spec[0] is not None else None]
        elif n == 1 and isinstance(spec, dict) and names and len(spec) == 1:
            self.losses = _per_output(spec, n, names, "losses", _as_loss)
        elif n == 1:
            self.losses = [_as_loss(spec)]
        else:
            self.losses = _per_output(spec, n, names, "losses", _as_loss)
        weights = self.loss_weights
        if weights is None:
            self.weights = [1.0] * n
        elif isinstance(weights, (dict, list, tuple)):
            resolved = _per_output(weights, n, names, "loss_weights", float)
            self.weights = [1.0 if w is None else w for w in resolved]
        else:
            self.weights = [float(weights)] * n
        if all(fn is None for fn in self.losses):
            raise ValueError("compile: no loss to compute (every loss is None)")
        self.metrics = []
        self._trackers = [None] * n
        if n > 1:
            labels = names or [f"output_{i + 1}" for i in range(n)]
            for i, fn in enumerate(self.losses):
                if fn is not None:
                    tracker = metrics_module.Mean(name=f"{labels[i]}_loss")
                    self._trackers[i] = tracker
                    self.metrics.append(tracker)
        self._built_for = n

    def __call__(self, y_true, y_pred, sample_weight=None):
        from lamina.ops import stop_gradient

        trues, preds, names = align_outputs(y_true, y_pred, self.output_names)
        if self._built_for != len(preds):
            if self._built_for is not None and self.output_names:
                raise ValueError(f"The model has {len(preds)} outputs but the loss was "
                                 f"compiled for {self._built_for}")
            self._build(len(preds), names)
        weights = _sample_weights(sample_weight, len(preds), names)
        total = None
        for i, (fn, w, yt, yp) in enumerate(zip(self.losses, self.weights, trues, preds)):
            if fn is None:
                continue
            if yt is None:
                raise ValueError(f"No target given for output "
                                 f"'{names[i] if names else i}', which has a loss")
            value = fn(yt, yp, sample_weight=weights[i])
            tracker = self._trackers[i]
            if tracker is not None:
                tracker.update_state(stop_gradient(value),
                                     sample_weight=int(_flat_outputs(yp)[0].shape[0]))
            if w != 1.0:
                value = multiply(value, w)
            total = value if total is None else add(total, value)
        return total

    def get_config(self):
        return self._config


def _sample_weights(sample_weight, n: int, names) -> list:
    if sample_weight is None:
        return [None] * n
    if isinstance(sample_weight, dict):
        return [sample_weight.get(name) for name in (names or [])] if names else \
            list(sample_weight.values())
    if isinstance(sample_weight, (list, tuple)) and n > 1 and len(sample_weight) == n:
        return list(sample_weight)
    return [sample_weight] * n


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
    """The compiled metrics and weighted metrics, in Keras's order and names.

    For a model with several outputs, `metrics` may be a dict keyed by output name,
    a list with one list per output, or a flat list applied to every output; each
    metric is then named "<output>_<metric>" (e.g. "out_a_accuracy").
    """

    def __init__(self, metrics, weighted_metrics, loss=None, output_names=None):
        self._metrics_config = metrics
        self._weighted_config = weighted_metrics
        self._loss = loss
        self.output_names = list(output_names) if output_names else None
        self.metrics: list = []
        self.weighted: list = []
        self._per_output: list = []  # (output index, metric, weighted?)
        self.built = False

    def build(self, y_true, y_pred) -> None:
        from lamina import metrics as metrics_module

        trues, preds, names = align_outputs(y_true, y_pred, self.output_names)
        n = len(preds)
        labels = names or [f"output_{i + 1}" for i in range(n)]

        def per_output(config) -> list[list]:
            if config is None:
                return [[] for _ in range(n)]
            if n == 1:
                if isinstance(config, dict):
                    return [_as_list(next(iter(config.values())))] if config else [[]]
                if isinstance(config, (list, tuple)) and len(config) == 1 \
                        and isinstance(config[0], (list, tuple)):
                    return [list(config[0])]
                return [_as_list(config)]
            if isinstance(config, dict):
                return [_as_list(x) for x in _per_output(config, n, names, "metrics",
                                                         lambda x: x)]
            if isinstance(config, (list, tuple)) and len(config) == n and all(
                    x is None or isinstance(x, (list, tuple, dict)) for x in config):
                return [_as_list(x) for x in config]
            return [_as_list(config) for _ in range(n)]

        def resolve(config, weighted_prefix: str, weighted: bool) -> list:
            out = []
            for i, items in enumerate(per_output(config)):
                for m in items:
                    yt = trues[i] if trues[i] is not None else preds[i]
                    obj = metrics_module.get_metric_for_compile(m, yt, preds[i])
                    if obj is None:
                        continue
                    prefix = f"{labels[i]}_" if n > 1 else ""
                    obj.name = prefix + weighted_prefix + obj.name
                    out.append(obj)
                    self._per_output.append((i, obj, weighted))
            return out

        self._per_output = []
        self.metrics = resolve(self._metrics_config, "", False)
        self.weighted = resolve(self._weighted_config,
                                "weighted_" if self._metrics_config else "", True)
        self._names = names
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self.built:
            self.build(y_true, y_pred)
        trues, preds, names = align_outputs(y_true, y_pred, self.output_names)
        weights = _sample_weights(sample_weight, len(preds), names)
        for i, m, weighted in self._per_output:
            if trues[i] is None:
                continue
            if weighted:
                m.update_state(trues[i], preds[i], sample_weight=weights[i])
            else:
                m.update_state(trues[i], preds[i])

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
        raise ValueError(f"compile: unexpected dict of metrics {items!r} for one output")
    if isinstance(items, (list, tuple)):
        return list(items)
    return [items]


def to_float(value) -> float:
    return float(convert_to_tensor(value))
