"""Any timm model as an encoder: classifier removed (``num_classes=0``), so
its output is the pooled pre-logits feature vector Z."""
from __future__ import annotations

from torch import nn


def timm_encoder(mcfg, input_shape) -> nn.Module:
    """``timm.create_model(model.arch, pretrained=model.pretrained,
    num_classes=0, in_chans=C, **model.kwargs)``; ``pretrained: true``
    downloads weights (online users only)."""
    import timm
    from omegaconf import OmegaConf

    if not timm.is_model(mcfg.arch):
        close = timm.list_models(f"*{mcfg.arch.split('_')[0]}*")[:20]
        raise ValueError(f"model.arch must be a timm model name (timm.list_models()); got {mcfg.arch!r}"
                         f"; similar names: {close}")
    kwargs = OmegaConf.to_container(mcfg.kwargs, resolve=True) if mcfg.get("kwargs") else {}
    encoder = timm.create_model(mcfg.arch, pretrained=bool(mcfg.pretrained), num_classes=0,
                                in_chans=input_shape[0], **kwargs)
    encoder.out_dim = encoder.num_features
    encoder.block_names = [info["module"] for info in getattr(encoder, "feature_info", [])]
    return encoder
