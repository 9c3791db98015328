def kv_rows(cache, pages, last_page_len):
    # The token rows of one sequence: all slots of its pages but the last one,
    # then the first `last_page_len` slots of the last page.
    rows = cache[pages].reshape(-1, *cache.shape[2:])
    return rows[: (pages.numel() - 1) * PAGE_SIZE + last_page_len].float()
