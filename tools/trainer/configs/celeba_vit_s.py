# ViT-S (arcface_torch's vit_s: 9x9 patches, width 512, 12 blocks, 8 heads) on the
# aligned CelebA identities, validated on LFW fold 1. Recipe after arcface_torch's ViT
# configs: AdamW, lr 1e-3, weight decay 0.1, warmup, stochastic depth in the backbone.
from easydict import EasyDict as edict

config = edict()
config.network = "vit_s"
config.embedding_size = 512
config.margin_list = (1.0, 0.0, 0.4)   # CosFace, as arcface_torch's ViT configs
config.scale = 64.0
config.optimizer = "adamw"
config.lr = 1e-3
config.weight_decay = 0.1
config.batch_size = 256
config.num_epoch = 40
config.warmup_epoch = 4
config.amp = "bf16"
config.aug_scale = 0.1
config.aug_rotate = 10
config.aug_shift = 0.05
config.aug_color = 0.2
config.loader = "cache"
config.num_workers = 12
config.rec = ".data/celeba112"
config.val_images = "data/lfw-fold1/aligned112"
config.val_pairs = "data/lfw-fold1/pairs.txt"
config.save_every = 2000
config.frequent = 50
config.output = "work_dirs/celeba_vit_s"
