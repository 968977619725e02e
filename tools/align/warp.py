"""Similarity-transform warp of a face to the ArcFace 112x112 template.

Pure numpy (no OpenCV): the fit is Umeyama's least-squares similarity (what
insightface's norm_crop uses through skimage), the warp is bilinear with a
black border, sampling at integer pixel centres like cv2.warpAffine.
"""
from __future__ import annotations

import numpy as np

# Standard ArcFace 5-point template for 112x112 crops (x, y): left eye, right
# eye, nose tip, left mouth corner, right mouth corner.
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)
CROP_SIZE = 112


def estimate_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 matrix M with dst ~= M @ [src, 1] (rotation, uniform scale, shift)."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2:
        raise ValueError(f"landmark arrays must both be Nx2, got {src.shape} and {dst.shape}")
    n = src.shape[0]
    src_mean, dst_mean = src.mean(0), dst.mean(0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / n
    u, s, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(cov) < 0:
        d[1] = -1.0
    rot = u @ np.diag(d) @ vt
    var_src = (src_c**2).sum() / n
    scale = (s * d).sum() / var_src if var_src > 0 else 1.0
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = dst_mean - scale * rot @ src_mean
    return m


def warp_affine(image: np.ndarray, m: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Bilinear warp of an HxWxC uint8 image by forward matrix m; black border."""
    h, w = image.shape[:2]
    full = np.vstack([m, [0.0, 0.0, 1.0]])
    inv = np.linalg.inv(full)[:2]
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    sx = inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]
    sy = inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]
    x0 = np.floor(sx).astype(np.int64)
    y0 = np.floor(sy).astype(np.int64)
    fx = (sx - x0)[..., None]
    fy = (sy - y0)[..., None]
    img = image.astype(np.float64)
    if img.ndim == 2:
        img = img[..., None]

    def tap(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        inside = ((xx >= 0) & (xx < w) & (yy >= 0) & (yy < h))[..., None]
        return img[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)] * inside

    out = (
        tap(y0, x0) * (1 - fx) * (1 - fy)
        + tap(y0, x0 + 1) * fx * (1 - fy)
        + tap(y0 + 1, x0) * (1 - fx) * fy
        + tap(y0 + 1, x0 + 1) * fx * fy
    )
    out = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out[..., 0] if image.ndim == 2 else out


def align_face(image: np.ndarray, landmarks: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Warp `image` so its 5 landmarks land on the ArcFace template (scaled to size)."""
    pts = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    template = ARCFACE_TEMPLATE * (size / CROP_SIZE)
    return warp_affine(image, estimate_similarity(pts, template), size)
