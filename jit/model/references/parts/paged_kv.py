PAGE_SIZE = {{PAGE_SIZE}}


def kv_rows(cache, pages, last_page_len):
    # The token rows of one sequence: all slots of its pages but the last one,
    # then the first `last_page_len` slots of the last page.
    rows = cache[pages].reshape(-1, *cache.shape[2:])
    return rows[: (pages.numel() - 1) * PAGE_SIZE + last_page_len].float()


def paged_sequences(qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}):
    # sequences() over a paged cache: (query rows, the sequence's pages, tokens
    # used in its last page).
    for b, rows, first, end in sequences(qo_indptr, kv_indptr):
        yield rows, kv_indices[first:end].long(), {{LAST_PAGE_LEN}}
