"""Clinical NLP: note text to a document with sections, sentences, mentions and assertions."""
