"""Puts tests/python on sys.path so tests in subfolders (ops/) reach the shared helpers
(repo_paths, ncnn_check, onnx_graphs)."""
import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
