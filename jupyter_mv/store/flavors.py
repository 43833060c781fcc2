"""Model flavors: how a framework's object is written to a file and read back.

``pickle`` by default, ``joblib`` for scikit-learn estimators, ``torch`` (``torch.save``)
for torch modules, and the framework's own format for XGBoost, LightGBM and Keras
models. A framework is never imported to *detect* a flavor: only the object's own
classes are looked at, so saving a plain object costs no heavy import.
"""

from __future__ import annotations

import importlib
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

__all__ = ["Flavor", "FLAVORS", "detect_flavor", "dump", "load"]


@dataclass(frozen=True)
class Flavor:
    """How one kind of model is written and read back."""

    suffix: str
    detect: Callable[[Any], bool]
    write: Callable[[Any, Path], None]
    read: Callable[[Path, dict[str, Any]], Any]
    library: str | None = None


def _classes(obj: Any) -> list[str]:
    """``module.QualName`` of the object's class and its bases (no import needed)."""
    return [f"{c.__module__}.{c.__qualname__}" for c in type(obj).__mro__]


def _has_class(obj: Any, *prefixes: str) -> bool:
    return any(name.startswith(prefixes) for name in _classes(obj))


def _is_sklearn(obj: Any) -> bool:
    return _has_class(obj, "sklearn.base.BaseEstimator")


def _is_torch(obj: Any) -> bool:
    return "torch" in sys.modules and _has_class(obj, "torch.nn.modules.module.Module")


def _is_xgboost(obj: Any) -> bool:
    return _has_class(obj, "xgboost.core.Booster", "xgboost.sklearn.XGBModel")


def _is_lightgbm(obj: Any) -> bool:
    return _has_class(obj, "lightgbm.basic.Booster")


def _is_keras(obj: Any) -> bool:
    return _has_class(obj, "keras.src.models.model.Model", "keras.engine.training.Model")


def _class_of(extra: dict[str, Any]) -> Any:
    module, _, qualname = str(extra.get("class", "")).rpartition(".")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _pickle_write(obj: Any, path: Path) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def _pickle_read(path: Path, extra: dict[str, Any]) -> Any:
    with open(path, "rb") as f:
        return pickle.load(f)


def _joblib_write(obj: Any, path: Path) -> None:
    import joblib

    joblib.dump(obj, path)


def _joblib_read(path: Path, extra: dict[str, Any]) -> Any:
    import joblib

    return joblib.load(path)


def _torch_write(obj: Any, path: Path) -> None:
    import torch

    torch.save(obj, path)


def _torch_read(path: Path, extra: dict[str, Any]) -> Any:
    import torch

    return torch.load(path, weights_only=False)


def _xgboost_read(path: Path, extra: dict[str, Any]) -> Any:
    model = _class_of(extra)()
    model.load_model(str(path))
    return model


def _lightgbm_read(path: Path, extra: dict[str, Any]) -> Any:
    import lightgbm

    return lightgbm.Booster(model_file=str(path))


def _keras_read(path: Path, extra: dict[str, Any]) -> Any:
    import keras

    return keras.models.load_model(path)


#: Flavors in the order they are tried; ``pickle`` takes whatever the others do not.
FLAVORS: dict[str, Flavor] = {
    "torch": Flavor(".pt", _is_torch, _torch_write, _torch_read, "torch"),
    "xgboost": Flavor(".ubj", _is_xgboost, lambda o, p: o.save_model(str(p)), _xgboost_read, "xgboost"),
    "lightgbm": Flavor(".txt", _is_lightgbm, lambda o, p: o.save_model(str(p)), _lightgbm_read, "lightgbm"),
    "keras": Flavor(".keras", _is_keras, lambda o, p: o.save(str(p)), _keras_read, "keras"),
    "joblib": Flavor(".joblib", _is_sklearn, _joblib_write, _joblib_read, "sklearn"),
    "pickle": Flavor(".pkl", lambda obj: True, _pickle_write, _pickle_read),
}


def detect_flavor(obj: Any) -> str:
    """The flavor an object is saved with when none is asked for."""
    return next(name for name, flavor in FLAVORS.items() if flavor.detect(obj))


def dump(obj: Any, folder: Path, flavor: str | None = None) -> tuple[str, Path, dict[str, Any]]:
    """Write ``obj`` into ``folder``; return its flavor, the file, and facts to keep
    (its class, the library and Python versions).

    :raises InvalidInput: an unknown flavor, or an object the flavor cannot write.
    """
    flavor = flavor or detect_flavor(obj)
    spec = FLAVORS.get(flavor)
    if spec is None:
        raise InvalidInput(f"unknown model flavor {flavor!r}; known: {', '.join(FLAVORS)}")
    path = folder / f"model{spec.suffix}"
    try:
        spec.write(obj, path)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"cannot save this {type(obj).__name__} with {flavor}: {exc}") from None
    except ImportError as exc:
        raise InvalidInput(f"the {flavor} flavor needs {exc.name or 'a library'} installed") from None
    info: dict[str, Any] = {
        "class": f"{type(obj).__module__}.{type(obj).__qualname__}",
        "python": ".".join(map(str, sys.version_info[:3])),
    }
    if spec.library:
        module = sys.modules.get(spec.library)
        if module is not None and getattr(module, "__version__", None):
            info["library"] = {spec.library: str(module.__version__)}
    return flavor, path, info


def load(path: Path, flavor: str, extra: dict[str, Any] | None = None) -> Any:
    """Read back what :func:`dump` wrote.

    :raises InvalidInput: the flavor is unknown or its library is missing here.
    """
    spec = FLAVORS.get(flavor)
    if spec is None:
        raise InvalidInput(f"cannot load a model of flavor {flavor!r}; this jupyter-mv knows {', '.join(FLAVORS)}")
    try:
        return spec.read(path, extra or {})
    except ModuleNotFoundError as exc:
        raise InvalidInput(f"loading this {flavor} model needs {exc.name} installed") from None
    except (pickle.UnpicklingError, EOFError) as exc:
        raise InvalidInput(f"cannot load this {flavor} model: {exc}") from None
