"""Monte Carlo counterparts of the models: deq.mc.<model>(spectrum, ...,
trials=, seed=, threads=) samples the random matrices the theory
describes and returns each quantity's mean, standard error and z-score
against the theory (columns NAME_mc, NAME_se, NAME_z, as deq mc prints).
z is Student's t with trials - 1 degrees of freedom (attrs["z_dof"])."""

from . import _deq
from .models import mc_function

__all__ = []
for _name in _deq.model_names():
    if _deq.model_info(_name)["has_mc"]:
        globals()[_name.replace("-", "_")] = mc_function(_name)
        __all__.append(_name.replace("-", "_"))
