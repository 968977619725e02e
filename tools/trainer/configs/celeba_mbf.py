# MobileFaceNet on the aligned CelebA identities (tools/align/align.py output),
# validated on LFW fold 1. Paths are relative to the repository root.
# The recipe of models/edgeface-mbf.onnx (see models/MODEL_CARD.md): 2 min 18 s on one H100.
from easydict import EasyDict as edict

config = edict()
config.network = "mbf"
config.embedding_size = 512
config.margin_list = (1.0, 0.5, 0.0)   # ArcFace
config.scale = 64.0
config.sample_rate = 1.0
config.optimizer = "sgd"
config.lr = 0.05
config.weight_decay = 5e-4
config.batch_size = 256
config.num_epoch = 30
config.warmup_epoch = 2
config.amp = "fp16"
config.aug_scale = 0.1
config.aug_rotate = 10
config.aug_shift = 0.05
config.aug_color = 0.2
config.ema_decay = 0.999
config.loader = "cache"
config.num_workers = 12
config.rec = ".data/celeba112"
config.val_images = "data/lfw-fold1/aligned112"
config.val_pairs = "data/lfw-fold1/pairs.txt"
config.save_every = 1000
config.frequent = 50
config.output = "work_dirs/celeba_mbf"
