import torch

NUM_INDEX_HEADS = {{NUM_INDEX_HEADS}}
INDEX_HEAD_DIM = {{INDEX_HEAD_DIM}}
PAGE_SIZE = {{PAGE_SIZE}}
TOPK = {{TOPK}}


def dequantize_pages(k_index_cache_fp8):
    # deep_gemm's paged FP8 key layout, per page: PAGE_SIZE * INDEX_HEAD_DIM
    # fp8 bytes (token-major), then PAGE_SIZE float32 scales (one per token).
    raw = k_index_cache_fp8.view(torch.uint8).reshape(k_index_cache_fp8.shape[0], -1)
    split = PAGE_SIZE * INDEX_HEAD_DIM
    values = raw[:, :split].contiguous().view(torch.float8_e4m3fn).float()
    scales = raw[:, split:].contiguous().view(torch.float32)
    return values.reshape(-1, PAGE_SIZE, INDEX_HEAD_DIM) * scales.reshape(-1, PAGE_SIZE, 1)


@torch.no_grad()
def run(q_index_fp8, k_index_cache_fp8, weights, seq_lens, block_table):
    # Lightning indexer: score(t) = sum_h weights[h] * relu(q_h . k_t) over the
    # sequence's tokens; returns the TOPK best flat slots (page * PAGE_SIZE +
    # offset), best first, padded with -1 when the sequence is shorter.
    batch_size = q_index_fp8.shape[0]
    assert q_index_fp8.shape[1:] == (NUM_INDEX_HEADS, INDEX_HEAD_DIM)
    assert k_index_cache_fp8.shape[1] == PAGE_SIZE
    keys = dequantize_pages(k_index_cache_fp8)
    topk_indices = torch.full((batch_size, TOPK), -1, dtype=torch.int32, device=q_index_fp8.device)
    for b in range(batch_size):
        length = int(seq_lens[b])
        if length <= 0:
            continue
        pages = block_table[b, : (length + PAGE_SIZE - 1) // PAGE_SIZE].long()
        k = keys[pages].reshape(-1, INDEX_HEAD_DIM)[:length]
        scores = (torch.relu(q_index_fp8[b].float() @ k.t()) * weights[b].float()[:, None]).sum(dim=0)
        best = torch.topk(scores, min(TOPK, length)).indices
        slots = pages[best // PAGE_SIZE] * PAGE_SIZE + best % PAGE_SIZE
        topk_indices[b, : best.numel()] = slots.to(torch.int32)
    return topk_indices
