"""ntm-assess: score Vietnamese communes against the NTM criteria sets and report the results."""

from .assess.scoring import Assessment, score
from .criteria.catalogue import CriteriaSet, list_sets, load_set
from .errors import CriteriaSetError, InputError, NtmError, Problem, UsageError
from .intake.inputs import load_inputs

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "CriteriaSet",
    "CriteriaSetError",
    "InputError",
    "NtmError",
    "Problem",
    "UsageError",
    "list_sets",
    "load_inputs",
    "load_set",
    "score",
    "__version__",
]
