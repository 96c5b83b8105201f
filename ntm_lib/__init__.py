"""ntm-assess: score Vietnamese communes against the NTM criteria sets and report the results."""

from .catalogue import CriteriaSet, list_sets, load_set
from .errors import CriteriaSetError, InputError, NtmError, Problem, UsageError
from .intake import load_inputs
from .scoring import Assessment, score

__version__ = "0.1.0"

__all__ = [
    "Assessment", "CriteriaSet", "CriteriaSetError", "InputError", "NtmError", "Problem",
    "UsageError", "list_sets", "load_inputs", "load_set", "score", "__version__",
]
