"""Clinical NLP: note text to a document with sections, sentences, mentions and assertions."""

from nlp.deferred import defer, import_without

defer("nltk")  # imported by medSpaCy's QuickUMLS, never used here: see nlp.deferred
import_without("thinc.compat", "torch")  # spaCy's thinc runs no torch model here: see nlp.deferred
