"""A lean Qwen3 decoder in plain PyTorch, as HF's modeling_qwen3 computes it:
RMSNorm (float32, eps 1e-6), q/k per-head RMSNorm before rotate-half RoPE
(θ from the config), GQA attention with a KV cache, SwiGLU MLP, tied LM head.
The KV cache is preallocated (like HF's StaticCache) and written in place."""
import torch
import torch.nn.functional as F


def rms_norm(x, weight, eps):
    x32 = x.float()
    return weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class KVCache:
    """Per layer `[1, kv_heads, capacity, head_dim]` keys and values; `offset` positions filled."""

    def __init__(self, layers, kv_heads, head_dim, capacity):
        self.keys = [torch.zeros(1, kv_heads, capacity, head_dim) for _ in range(layers)]
        self.values = [torch.zeros(1, kv_heads, capacity, head_dim) for _ in range(layers)]
        self.offset = 0

    def fill_random(self, positions, generator):
        for k, v in zip(self.keys, self.values):
            k[:, :, :positions].normal_(generator=generator)
            v[:, :, :positions].normal_(generator=generator)
        self.offset = positions


class Qwen3Decoder:
    def __init__(self, config, tensors):
        self.c = config
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config["num_key_value_heads"]
        self.head_dim = config.get("head_dim") or self.hidden // self.heads
        self.eps = config.get("rms_norm_eps", 1e-6)
        self.layers_count = config["num_hidden_layers"]
        take = lambda name: tensors.pop(name).contiguous()
        self.embed_tokens = take("model.embed_tokens.weight")
        self.layers = []
        for i in range(self.layers_count):
            p = f"model.layers.{i}."
            names = ["input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                     "self_attn.q_norm", "self_attn.k_norm", "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
            self.layers.append({n.split(".")[-1]: take(f"{p}{n}.weight") for n in names})
        self.norm = take("model.norm.weight")
        self.lm_head = tensors.pop("lm_head.weight").contiguous() if "lm_head.weight" in tensors else self.embed_tokens
        theta = config.get("rope_theta", 1_000_000.0)
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
        positions = torch.arange(8192, dtype=torch.float32)
        freqs = torch.outer(positions, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos, self.sin = emb.cos(), emb.sin()

    def new_cache(self, capacity):
        return KVCache(self.layers_count, self.kv_heads, self.head_dim, capacity)

    def embed(self, ids):
        return F.embedding(ids, self.embed_tokens)

    def _attention(self, layer, x, cache, index, mask):
        b, length, _ = x.shape
        offset, hd = cache.offset, self.head_dim
        q = rms_norm(F.linear(x, layer["q_proj"]).view(b, length, self.heads, hd), layer["q_norm"], self.eps).transpose(1, 2)
        k = rms_norm(F.linear(x, layer["k_proj"]).view(b, length, self.kv_heads, hd), layer["k_norm"], self.eps).transpose(1, 2)
        v = F.linear(x, layer["v_proj"]).view(b, length, self.kv_heads, hd).transpose(1, 2)
        cos, sin = self.cos[offset : offset + length], self.sin[offset : offset + length]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        end = offset + length
        cache.keys[index][:, :, offset:end] = k
        cache.values[index][:, :, offset:end] = v
        keys, values = cache.keys[index][:, :, :end], cache.values[index][:, :, :end]
        group = self.heads // self.kv_heads
        # Query head h uses KV head h // group: fold the group into the query rows instead of repeating K/V.
        qg = q.reshape(b, self.kv_heads, group * length, hd)
        scores = torch.matmul(qg, keys.transpose(-1, -2)) * hd**-0.5
        if mask is not None:
            scores = (scores.view(b, self.kv_heads, group, length, end) + mask).view(b, self.kv_heads, group * length, end)
        probs = torch.softmax(scores.float(), dim=-1).to(values.dtype)
        context = torch.matmul(probs, values).view(b, self.heads, length, hd)
        return F.linear(context.transpose(1, 2).reshape(b, length, self.heads * hd), layer["o_proj"])

    def forward(self, embeds, cache, all_positions=False):
        """`embeds [1, L, H]` at the cache's offset → float32 logits of the last position (`[1, 1, V]`)."""
        length = embeds.shape[1]
        offset = cache.offset
        mask = None
        if length > 1:
            rows = torch.arange(offset, offset + length)[:, None]
            cols = torch.arange(offset + length)[None, :]
            mask = torch.zeros(length, offset + length).masked_fill(cols > rows, float("-inf"))
        h = embeds
        for index, layer in enumerate(self.layers):
            h = h + self._attention(layer, rms_norm(h, layer["input_layernorm"], self.eps), cache, index, mask)
            y = rms_norm(h, layer["post_attention_layernorm"], self.eps)
            h = h + F.linear(F.silu(F.linear(y, layer["gate_proj"])) * F.linear(y, layer["up_proj"]), layer["down_proj"])
        cache.offset = offset + length
        if not all_positions:
            h = h[:, -1:]
        return F.linear(rms_norm(h, self.norm, self.eps), self.lm_head).float()
