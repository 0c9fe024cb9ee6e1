"""Clinical NLP: note text to a document with sections, sentences, mentions and assertions."""

from nlp.deferred import defer

defer("nltk")  # imported by medSpaCy's QuickUMLS, never used here: see nlp.deferred
