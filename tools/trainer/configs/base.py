# Base config: every field the trainer knows, with its default. An experiment
# file overrides some of them; a key not listed here is an error. Each field is
# documented in tools/trainer/README.md.
from easydict import EasyDict as edict

config = edict()

# --- model and loss
config.network = "r50"              # r18 | r34 | r50 | r100 | r200 | mbf | mbf_large
config.embedding_size = 512
config.margin_list = (1.0, 0.5, 0.0)  # cos(m1*theta + m2) - m3: ArcFace (1,0.5,0), CosFace (1,0,0.35)
config.scale = 64.0                 # logit scale s
config.sample_rate = 1.0            # Partial FC: fraction of class centres used per step
config.interclass_filtering_threshold = 0  # arcface_torch key, unsupported: must stay 0
config.dropout = 0.0

# --- optimisation
config.optimizer = "sgd"            # sgd | adamw
config.lr = 0.1
config.momentum = 0.9
config.weight_decay = 5e-4
config.batch_size = 128             # per GPU
config.num_epoch = 20
config.max_steps = 0                # >0: stop after this many steps (overrides num_epoch)
config.warmup_epoch = 0
config.lr_power = 2.0               # polynomial decay exponent
config.clip_grad = 5.0              # max grad norm of the backbone; 0 disables
config.gradient_acc = 1             # arcface_torch key; only 1 is supported
config.seed = 2048
config.ema_decay = 0.0              # >0: keep an EMA of the backbone weights; validate and export it

# --- speed
config.amp = "none"                 # none | fp16 | bf16
config.fp16 = False                 # arcface_torch switch: True means amp = "fp16"
config.channels_last = True
config.compile = False              # torch.compile the backbone
config.loader = "workers"           # workers | gpu_decode | cache | synthetic
config.cache_device = "cuda"        # where loader="cache" keeps decoded images
config.num_workers = 4
config.dali = False                 # arcface_torch key, unsupported: must stay False

# --- data
config.rec = ""                     # folder per identity | label list file | dir with train.rec/train.idx
config.num_classes = 0              # 0: count from the data; otherwise must match it
config.num_image = 0                # 0: count from the data; otherwise must match it
config.flip = True                  # random horizontal flip
config.aug_scale = 0.0              # random zoom 1 +- aug_scale (GPU-side similarity warp)
config.aug_rotate = 0.0             # random rotation +- degrees
config.aug_shift = 0.0              # random shift +- fraction of the image side
config.aug_color = 0.0              # random brightness and contrast 1 +- aug_color

# --- validation, output
config.val_images = ""              # root of aligned LFW-style images (<Person>/<Person>_NNNN.jpg)
config.val_pairs = ""               # pairs.txt for val_images; empty disables validation
config.val_every = 0                # steps between validations; 0: at the end of each epoch
config.val_batch_size = 256
config.output = ""                  # default work_dirs/<config name>
config.resume = False               # continue from output/checkpoint_rank*.pt
config.save_every = 0               # steps between checkpoints; 0: at the end of each epoch
config.frequent = 10                # steps between log lines
config.progress_bar = True
config.export_onnx = True           # export the best (or last) backbone to output/model.onnx
config.onnx_opset = 11               # ONNX opset of model.onnx (11 suits ncnn conversion)
