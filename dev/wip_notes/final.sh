#!/bin/bash
# usage: final.sh ITERS
cd /work/main
IT=$1
R=configs/lseg/lseg_rn-tiny-64_1xb16-${IT}it_shapes-world-64x64.py
N=configs/lseg/lseg-noresidual_rn-tiny-64_1xb16-${IT}it_shapes-world-64x64.py
( /usr/bin/time -f "WALL %e s" env OMP_NUM_THREADS=1 .venv/bin/python tools/train.py $R ) > /tmp/final_res.log 2>&1 &
( /usr/bin/time -f "WALL %e s" env OMP_NUM_THREADS=1 .venv/bin/python tools/train.py $N ) > /tmp/final_nores.log 2>&1 &
wait
