"""Pages and workbooks for people: report sections, charts, HTML fragments, the notebooks' run
(papermill engine and kernel), their export (nbconvert), the batch with its index.
"""

from .startup import defer_grammar

defer_grammar()
