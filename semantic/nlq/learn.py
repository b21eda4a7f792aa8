"""Synonyms learned from answers users marked correct.

When a saved question used a word the vocabulary did not know ("takings by channel",
魔都的销售额) and its query had exactly one metric, dimension or filter value the known
words do not explain, the word becomes a synonym of it. Learned words rank like model synonyms, so a
user's own vocabulary is understood from then on.

For example, a saved "takings by channel" answered as revenue by channel teaches
('takings', Term(kind='metric', name='revenue', rank=1)).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

from semantic.model import SemanticModel
from semantic.nlq.lexicon import LEARNED, Term, leftover_runs, lexicon_for
from semantic.nlq.reading import read
from semantic.nlq.types import Example

Learned = tuple[tuple[str, Term], ...]
_CACHE: OrderedDict[tuple[int, int, tuple[Example, ...]], tuple[SemanticModel, Learned]] = OrderedDict()
_LOCK = threading.Lock()


def learned_terms(model: SemanticModel, values: dict[str, tuple[str, ...]], examples: tuple[Example, ...],
                  as_of: dt.date) -> Learned:
    """Phrase → term pairs taught by saved examples; computed once per model, values and examples."""
    if not examples:
        return ()
    key = (id(model), id(values) if values else 0, examples)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is model:
            return hit[1]
    lexicon = lexicon_for(model, values)
    found: dict[str, Term] = {}
    for example in examples:
        reading = read(example.question, lexicon, model, as_of)
        known = {(term.name, term.value) for m in reading.matches for term in m.terms}
        missing = [Term("metric", n, rank=LEARNED) for n in example.query.metrics if (n, None) not in known]
        missing += [Term("dimension", n, rank=LEARNED) for n in example.query.dimensions if (n, None) not in known]
        missing += [Term("value", f.field, f.value, rank=LEARNED) for f in example.query.filters
                    if f.op in ("=", "!=") and isinstance(f.value, str) and (f.field, f.value) not in known]
        runs = leftover_runs(reading.tokens, set(reading.used))
        if len(missing) == 1 and len(runs) == 1:
            found[runs[0]] = missing[0]
    learned = tuple(found.items())
    with _LOCK:
        _CACHE[key] = (model, learned)
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return learned
