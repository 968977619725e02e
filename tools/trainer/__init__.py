"""edgeface's bundled ArcFace trainer (arcface_torch-style).

Kept import-free on purpose: the trainer's scripts are also run from inside tools/trainer
(``from backbones import get_model``), and importing this package must not drag in
training-only dependencies.
"""
