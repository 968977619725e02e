"""Face + 5-landmark detection with MTCNN from the facenet-pytorch wheel.

The wheel ships the P/R/O-Net weights (facenet_pytorch/data/*.pt), so no
download happens at run time. facenet-pytorch pins an old torch; install it
with `pip install --no-deps facenet-pytorch` (it only needs torch, numpy, PIL).
"""
from __future__ import annotations

import numpy as np


class NoDetectorError(RuntimeError):
    pass


class LandmarkDetector:
    """Returns the landmarks (5x2, image pixels) of the most prominent face."""

    def __init__(self, min_face_size: int = 40, min_prob: float = 0.9, device: str = "cpu"):
        try:
            from facenet_pytorch import MTCNN
        except ImportError as exc:  # a user error: say how to fix it
            raise NoDetectorError(
                "face detection needs facenet-pytorch: pip install --no-deps facenet-pytorch"
            ) from exc
        self._mtcnn = MTCNN(min_face_size=min_face_size, select_largest=False,
                            keep_all=True, device=device)
        self._min_prob = min_prob

    def detect(self, rgb: np.ndarray) -> np.ndarray | None:
        """5x2 landmarks of the face nearest the image centre weighted by size, or None."""
        from PIL import Image

        boxes, probs, points = self._mtcnn.detect(Image.fromarray(rgb), landmarks=True)
        if boxes is None:
            return None
        h, w = rgb.shape[:2]
        best, best_score = None, -np.inf
        for box, prob, pts in zip(boxes, probs, points):
            if prob is None or prob < self._min_prob:
                continue
            area = (box[2] - box[0]) * (box[3] - box[1])
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            # Loose crops are centred on the subject: prefer big, central faces.
            off = ((cx - w / 2) ** 2 + (cy - h / 2) ** 2) / (w * h)
            score = area / (w * h) - 2.0 * off
            if score > best_score:
                best, best_score = np.asarray(pts, dtype=np.float64), score
        return best
