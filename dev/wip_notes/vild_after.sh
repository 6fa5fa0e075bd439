#!/bin/bash
cd /work/main
CFG=configs/vild/vild-2head_rn-tiny-64-fpn_1xb4-400it_shapes-world-det-64.py
CK=work_dirs/vild-2head_rn-tiny-64-fpn_1xb4-400it_shapes-world-det-64/iter_400.pth
.venv/bin/python tools/test.py $CFG $CK --out work_dirs/vild_ensemble_metrics.json --work-dir work_dirs/vild_test_ens > /tmp/vild_test_ens.log 2>&1 &
.venv/bin/python tools/test.py $CFG $CK --out work_dirs/vild_2head_text_metrics.json --work-dir work_dirs/vild_test_text --cfg-options model.roi_head.ensemble=False > /tmp/vild_test_vild.log 2>&1 &
wait
cat work_dirs/vild_text_metrics.json work_dirs/vild_2head_text_metrics.json work_dirs/vild_ensemble_metrics.json
