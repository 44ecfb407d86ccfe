"""AI / non-AI classification and N-class text classifiers (docs/method.md §2, after the
DeepInnovationAI paper, "Text Acquisition and Classification").

1. **Rule** (``rules``): a document is coarse-AI when one of its IPC/CPC codes falls under an
   entry of the AI code list, or its title + abstract contains a phrase of the AI keyword list
   (whole words, case-insensitive). The lists ship as versioned data files
   (``innograph/data/ai_codes_v1.txt``, ``ai_keywords_v1.txt``) and are replaceable.
2. **Teacher labels** come from files (``inputs.parse_label``); nothing here calls a network
   LLM. ``consensus``: BERT_inner's training set by the paper's four consensus rules.
3. **BERT_outer / BERT_inner** (``train.train_classifier``, ``predict.predict_proba``): a
   BERT-family sequence classifier over title + abstract, softmax output ``P(AI)``. Inner:
   balanced classes, 8:1:1 split stratified by stratum (``splits``), AdamW (lr 2e-5, weight
   decay 0.01), linear schedule, batch 16, mixed precision on a GPU, early stopping after
   ``patience`` epochs without validation gain (``finetune``). ``train_multiclass``: the same
   model over N labels (Locarno classes).
4. **Metrics** (``metrics``, figures in ``plots``): accuracy, per-class precision / recall /
   F1, AUPRC = ∫ P(R) dR (the average precision), the stage overlap of the paper's Fig. 3;
   ``stages``: every stage against expert labels (Table 4, Fig. 3).

Modules: ``rules`` (code + keyword lists, their parser, the rule), ``inputs`` (document text,
label parsing), ``splits`` (split, balancing, rare classes), ``metrics``, ``plots``, ``bert``
(tokenising, batching, the model directory), ``finetune`` (the training loop), ``train``,
``predict``, ``consensus``, ``stages``. Pure functions: texts, codes and arrays in, booleans /
arrays / dicts out; the only I/O is reading the list files and reading / writing a model
directory. No store. Importers write ``from innograph.models import classify as clf``.
"""

from .finetune import TrainConfig
from .inputs import doc_text, parse_label
from .metrics import (agreement, average_precision, evaluate, evaluate_multiclass, pr_curve,
                      softmax, top_k_hits)
from .plots import plot_confusion, plot_pr_curves
from .predict import TextClassifier, load_classifier, predict_labels, predict_proba
from .rules import (CODES_FILE, KEYWORDS_FILE, CodeEntry, RuleLists, code_matches,
                    keyword_hits, load_rule_lists, parse_code, parse_entry, rule_is_ai,
                    rule_labels)
from .splits import balance_classes, prepare_labels, stratified_split
from .train import train_classifier, train_multiclass

__all__ = [
    # rule
    "CODES_FILE", "KEYWORDS_FILE", "CodeEntry", "RuleLists", "parse_code", "parse_entry",
    "code_matches", "load_rule_lists", "keyword_hits", "rule_is_ai", "rule_labels",
    "doc_text", "parse_label",
    # metrics
    "pr_curve", "average_precision", "evaluate", "agreement", "plot_pr_curves",
    "softmax", "top_k_hits", "evaluate_multiclass", "plot_confusion",
    # BERT
    "TrainConfig", "stratified_split", "balance_classes", "prepare_labels", "train_classifier",
    "train_multiclass", "TextClassifier", "load_classifier", "predict_proba", "predict_labels",
]
