"""OminiX's AudioAdaptorQwen4B as trained in PyTorch: Linear 512→2048, an
nn.TransformerEncoder of post-norm nn.TransformerEncoderLayer (8 heads, FFN 8192,
exact GELU), Linear 2048→2560, LayerNorm. Loads the PyTorch-layout weights as is."""
from torch import nn


class AudioAdaptorQwen4B(nn.Module):
    def __init__(self, config):
        super().__init__()
        h = config["hidden_dim"]
        self.input_proj = nn.Linear(config["input_dim"], h)
        layer = nn.TransformerEncoderLayer(
            d_model=h,
            nhead=config["num_heads"],
            dim_feedforward=config["ffn_dim"],
            dropout=0.1,
            activation=config.get("activation", "gelu"),
            layer_norm_eps=config.get("layer_norm_eps", 1e-5),
            batch_first=True,
            norm_first=config.get("norm_first", False),
        )
        self.transformer = nn.TransformerEncoder(layer, num_layers=config["num_layers"])
        self.output_proj = nn.Linear(h, config["output_dim"])
        self.norm = nn.LayerNorm(config["output_dim"], eps=config.get("layer_norm_eps", 1e-5))

    def forward(self, x):
        return self.norm(self.output_proj(self.transformer(self.input_proj(x))))
