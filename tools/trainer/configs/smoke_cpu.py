# Tiny CPU run for tests: a few steps of MobileFaceNet on a handful of identities.
from easydict import EasyDict as edict

config = edict()
config.network = "mbf"
config.embedding_size = 128
config.margin_list = (1.0, 0.0, 0.35)   # CosFace: converges fastest on little data
config.scale = 32.0
config.batch_size = 16
config.lr = 0.05
config.max_steps = 8
config.amp = "none"
config.channels_last = False
config.loader = "workers"
config.num_workers = 0
config.frequent = 1
config.save_every = 4
config.progress_bar = False
config.export_onnx = False
