"""Independent Python reference of the LFW verification protocol (insightface's
verification.py: scikit-learn KFold without shuffling, threshold grid 0..4 step 0.01 on
squared L2 distance, first best threshold on the training folds, accuracy on the held-out
fold), plus AUC and TAR@FAR from scikit-learn's ROC.

Used two ways:
  * as a script by tests/eval/protocol-vs-python.test.ts:
        python tests/python/test_eval_reference.py <dir>
    reads <dir>/embeddings.f32 and <dir>/pairs.json, prints the figures as JSON;
  * by pytest (the tests below check the reference itself on known cases).
"""
import json
import os
import sys

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import KFold


def calculate_accuracy(threshold, dist, actual_issame):
    predict_issame = np.less(dist, threshold)
    tp = np.sum(np.logical_and(predict_issame, actual_issame))
    tn = np.sum(np.logical_and(np.logical_not(predict_issame), np.logical_not(actual_issame)))
    return float(tp + tn) / dist.size


def reference_protocol(embeddings, pairs, issame, nrof_folds=10, far_target=1e-3):
    embeddings = np.asarray(embeddings, dtype=np.float32)
    pairs = np.asarray(pairs, dtype=np.int64)
    issame = np.asarray(issame, dtype=bool)
    e1 = embeddings[pairs[:, 0]].astype(np.float64)
    e2 = embeddings[pairs[:, 1]].astype(np.float64)
    dist = np.sum(np.square(e1 - e2), 1)
    thresholds = np.arange(0, 4, 0.01)
    k_fold = KFold(n_splits=nrof_folds, shuffle=False)
    accuracy = []
    fold_thresholds = []
    indices = np.arange(len(dist))
    for train_set, test_set in k_fold.split(indices):
        acc_train = np.array([calculate_accuracy(t, dist[train_set], issame[train_set]) for t in thresholds])
        best = int(np.argmax(acc_train))
        fold_thresholds.append(float(thresholds[best]))
        accuracy.append(calculate_accuracy(thresholds[best], dist[test_set], issame[test_set]))
    accuracy = np.array(accuracy)
    acc_all = np.array([calculate_accuracy(t, dist, issame) for t in thresholds])
    best_all = int(np.argmax(acc_all))
    score = 1.0 - dist / 2.0  # cosine of unit vectors
    fpr, tpr, _ = roc_curve(issame, score, drop_intermediate=False)
    ok = fpr <= far_target
    return {
        "foldAccuracies": accuracy.tolist(),
        "accuracyMean": float(np.mean(accuracy)),
        "accuracyStd": float(np.std(accuracy)),
        "foldThresholds": fold_thresholds,
        "bestThreshold": float(thresholds[best_all]),
        "bestAccuracy": float(acc_all[best_all]),
        "auc": float(roc_auc_score(issame, score)),
        "tarAtFar": float(tpr[ok].max()) if ok.any() else 0.0,
    }


def run_dir(folder):
    with open(os.path.join(folder, "pairs.json")) as f:
        meta = json.load(f)
    emb = np.fromfile(os.path.join(folder, "embeddings.f32"), dtype="<f4").reshape(meta["n"], meta["dim"])
    return reference_protocol(emb, meta["pairs"], meta["same"], meta.get("folds", 10), meta.get("far", 1e-3))


# ---------------------------------------------------------------- pytest checks


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_perfectly_separable_set_scores_one():
    rng = np.random.RandomState(0)
    ids = _unit(rng.randn(50, 16))
    emb = np.concatenate([ids, _unit(ids + 0.01 * rng.randn(50, 16))]).astype(np.float32)
    pairs = [(i, 50 + i) for i in range(50)] + [(i, 50 + (i + 1) % 50) for i in range(50)]
    issame = [True] * 50 + [False] * 50
    r = reference_protocol(emb, pairs, issame)
    assert r["accuracyMean"] == 1.0
    assert r["auc"] == 1.0
    assert r["tarAtFar"] == 1.0


def test_kfold_matches_insightface_blocks_for_lfw_layout():
    # 6000 pairs, 10 folds: KFold must give the 10 LFW folds of 600 consecutive pairs.
    blocks = [(t[0], t[-1] + 1) for _, t in KFold(n_splits=10, shuffle=False).split(np.arange(6000))]
    assert blocks == [(600 * k, 600 * (k + 1)) for k in range(10)]


def test_random_embeddings_are_near_chance():
    rng = np.random.RandomState(1)
    emb = _unit(rng.randn(400, 32)).astype(np.float32)
    pairs = [(2 * i, 2 * i + 1) for i in range(200)]
    issame = [i % 2 == 0 for i in range(200)]
    r = reference_protocol(emb, pairs, issame)
    assert 0.3 < r["accuracyMean"] < 0.7
    assert 0.35 < r["auc"] < 0.65


if __name__ == "__main__":
    json.dump(run_dir(sys.argv[1]), sys.stdout)
