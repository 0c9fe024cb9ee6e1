"""``cac bench``: honest, repeatable speed and memory figures for the coder and its anchors."""
