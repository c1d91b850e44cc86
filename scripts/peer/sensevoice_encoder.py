"""SenseVoiceEncoderSmall as FunASR writes it (funasr/models/sense_voice/model.py):
pre-norm SAN-M blocks — fused q/k/v projection, scaled dot-product attention,
and an FSMN memory (depthwise Conv1d over V, zero padding, plus V) added to the
attention output; encoders0 (560 → 512, no residual), encoders, after_norm,
tp_encoders, tp_norm. Module names match the checkpoint, so load_state_dict is strict."""
import math

import torch
from torch import nn


class MultiHeadedAttentionSANM(nn.Module):
    def __init__(self, n_head, in_feat, n_feat, kernel_size, sanm_shfit=0):
        super().__init__()
        self.d_k = n_feat // n_head
        self.h = n_head
        self.n_feat = n_feat
        self.linear_out = nn.Linear(n_feat, n_feat)
        self.linear_q_k_v = nn.Linear(in_feat, n_feat * 3)
        self.fsmn_block = nn.Conv1d(n_feat, n_feat, kernel_size, stride=1, padding=0, groups=n_feat, bias=False)
        left = (kernel_size - 1) // 2 + sanm_shfit
        self.pad_fn = nn.ConstantPad1d((left, kernel_size - 1 - left), 0.0)

    def forward_fsmn(self, v):
        x = self.fsmn_block(self.pad_fn(v.transpose(1, 2))).transpose(1, 2)
        return x + v

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = torch.split(self.linear_q_k_v(x), self.n_feat, dim=-1)
        heads = lambda z: z.view(b, t, self.h, self.d_k).transpose(1, 2)
        memory = self.forward_fsmn(v)
        scores = torch.matmul(heads(q) * self.d_k**-0.5, heads(k).transpose(-2, -1))
        context = torch.matmul(torch.softmax(scores, dim=-1), heads(v))
        context = context.transpose(1, 2).reshape(b, t, self.h * self.d_k)
        return self.linear_out(context) + memory


class PositionwiseFeedForward(nn.Module):
    def __init__(self, size, units):
        super().__init__()
        self.w_1 = nn.Linear(size, units)
        self.w_2 = nn.Linear(units, size)

    def forward(self, x):
        return self.w_2(torch.relu(self.w_1(x)))


class EncoderLayerSANM(nn.Module):
    def __init__(self, in_size, size, heads, units, kernel_size, sanm_shfit, eps):
        super().__init__()
        self.self_attn = MultiHeadedAttentionSANM(heads, in_size, size, kernel_size, sanm_shfit)
        self.feed_forward = PositionwiseFeedForward(size, units)
        self.norm1 = nn.LayerNorm(in_size, eps=eps)
        self.norm2 = nn.LayerNorm(size, eps=eps)
        self.residual = in_size == size

    def forward(self, x):
        attention = self.self_attn(self.norm1(x))
        x = x + attention if self.residual else attention
        return x + self.feed_forward(self.norm2(x))


def sinusoidal_positions(length, depth):
    half = depth // 2
    increment = math.log(10000.0) / (half - 1)
    inv = torch.exp(torch.arange(half, dtype=torch.float32) * -increment)
    angles = torch.arange(1, length + 1, dtype=torch.float32)[:, None] * inv[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class SenseVoiceEncoderSmall(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = config["encoder_conf"]
        d, eps = c["output_size"], config.get("layer_norm_eps", 1e-5)
        layer = lambda in_size: EncoderLayerSANM(in_size, d, c["attention_heads"], c["linear_units"], c["kernel_size"], c.get("sanm_shfit", 0), eps)
        self.encoders0 = nn.ModuleList([layer(config["input_size"])])
        self.encoders = nn.ModuleList([layer(d) for _ in range(c["num_blocks"] - 1)])
        self.tp_encoders = nn.ModuleList([layer(d) for _ in range(c["tp_blocks"])])
        self.after_norm = nn.LayerNorm(d, eps=eps)
        self.tp_norm = nn.LayerNorm(d, eps=eps)
        self.input_scale = math.sqrt(d) if config.get("input_scale", "sqrt_output_size") == "sqrt_output_size" else 1.0

    def forward(self, features):
        x = features * self.input_scale if self.input_scale != 1.0 else features
        x = x + sinusoidal_positions(x.shape[1], x.shape[2])
        for block in self.encoders0:
            x = block(x)
        for block in self.encoders:
            x = block(x)
        x = self.after_norm(x)
        for block in self.tp_encoders:
            x = block(x)
        return self.tp_norm(x)
