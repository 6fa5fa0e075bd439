#!/bin/bash
cd /work/main
R=configs/lseg/lseg_rn-tiny-64_1xb16-1500it_shapes-world-64x64.py
N=configs/lseg/lseg-noresidual_rn-tiny-64_1xb16-1500it_shapes-world-64x64.py
OMP_NUM_THREADS=1 .venv/bin/python tools/train.py $R --work-dir work_dirs/lseg_probe/res --cfg-options train_cfg.max_iters=40 train_cfg.val_begin=100000 default_hooks.logger.interval=10 log_processor.window_size=10 > /tmp/probe_res.log 2>&1 &
OMP_NUM_THREADS=1 .venv/bin/python tools/train.py $N --work-dir work_dirs/lseg_probe/nores --cfg-options train_cfg.max_iters=40 train_cfg.val_begin=100000 default_hooks.logger.interval=10 log_processor.window_size=10 > /tmp/probe_nores.log 2>&1 &
wait
grep -h "Iter(train)" /tmp/probe_res.log /tmp/probe_nores.log | cut -c1-200
