# GroupViT's data preprocessor: caption batches (already normalised by ImageTextDataset) pass to
# the device; segmentation batches get CLIP's normalisation (in 0-255 units), BGR -> RGB and
# padding. Each model base sets the size (a fixed one, or a divisor for whole test images).
from projects.groupvit.groupvit import CaptionSegDataPreProcessor

data_preprocessor = dict(
    type=CaptionSegDataPreProcessor,
    mean=[122.771, 116.746, 104.094],
    std=[68.501, 66.632, 70.323],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
)
