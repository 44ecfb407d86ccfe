"""AI / non-AI labels for the documents of a store: rule, teacher labels, BERT stages.

One function per ``innograph classify`` command (docs/method.md §2); each reads from the store,
calls ``models.classify`` and writes back with provenance:

- ``classify_rule`` (``rule``): ``ai_rule`` (keywords + IPC rule) and ``ai_rule_version`` on
  every Paper / Patent; codes are the document's ``CLASSIFIED_AS`` → ``IPC`` nodes, text is
  title + abstract.
- ``import_labels`` (``labels``): teacher, LLM and expert labels from a CSV into
  ``ai_label`` / ``ai_label_source``, ``ai_label_llm``, ``ai_label_expert``.
- ``train`` / ``predict`` (``bert``): BERT_inner on the teacher labels, or BERT_outer on
  teacher labels where present and rule labels elsewhere; BERT_outer screens, BERT_inner
  decides: ``is_ai``, ``ai_prob``, ``ai_stage``, ``ai_model``, resumable.
- ``consensus_set`` / ``train_consensus`` (``consensus``): BERT_inner's training set by the
  paper's four provenance rules, and training on it.
- ``evaluate`` / ``evaluate_stages`` (``evaluate``): every stage against the labels of a
  store or a labelled file (metrics, stage overlap, PR curves), or against expert labels
  (Table 4, Fig. 3).

``documents`` holds what they share: documents page by page, codes, strata, stage names.
"""

from .bert import predict, train, training_set
from .consensus import CONSENSUS_COLUMNS, consensus_set, read_consensus, train_consensus
from .documents import DEFAULT_BATCH_DOCS, STAGE_INNER, STAGE_LABEL, STAGE_OUTER
from .evaluate import STAGES, evaluate, evaluate_stages, labelled_set
from .labels import import_labels
from .rule import classify_rule

__all__ = ["DEFAULT_BATCH_DOCS", "STAGE_OUTER", "STAGE_INNER", "STAGE_LABEL", "classify_rule",
           "import_labels", "training_set", "train", "predict", "labelled_set", "evaluate",
           "CONSENSUS_COLUMNS", "consensus_set", "read_consensus", "train_consensus", "STAGES",
           "evaluate_stages"]
