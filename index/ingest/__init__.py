"""Reading files: one reader per format behind the suffix table in ``readers``, each returning the
file's ``SourceText`` (``source``) or a ``LoadError`` that says why it could not."""
