/* fantasy_buf and fantasy_list: the core-owned sinks ports write their results into. */
#include <string.h>

#include "fantasy/backend.h"

#include "core/alloc.h"
#include "core/error.h"

struct fantasy_buf {
    fantasy_allocator a;
    char *data;
    size_t len, cap;
};

typedef struct list_item {
    char *str;
    int64_t num;
} list_item;

struct fantasy_list {
    fantasy_allocator a;
    list_item *items;
    size_t n, cap;
};

static fantasy_status pick_allocator(const fantasy_allocator *in, fantasy_allocator *out) {
    return fantasy__allocator_normalize(in, out);
}

FANTASY_API fantasy_status fantasy_buf_new(const fantasy_allocator *alloc, fantasy_buf **out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_buf_new: NULL out");
    }
    *out = NULL;
    fantasy_allocator a;
    fantasy_status st = pick_allocator(alloc, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy_buf *b = fantasy__calloc(&a, 1, sizeof *b);
    if (!b) {
        return fantasy__oom();
    }
    b->a = a;
    *out = b;
    return FANTASY_OK;
}

FANTASY_API void fantasy_buf_free(fantasy_buf *buf) {
    if (buf) {
        fantasy__free(&buf->a, buf->data);
        fantasy_allocator a = buf->a;
        fantasy__free(&a, buf);
    }
}

static fantasy_status buf_reserve(fantasy_buf *b, size_t need) {
    if (need < b->cap) {
        return FANTASY_OK;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap <= need) {
        if (cap > SIZE_MAX / 2) {
            return fantasy__oom();
        }
        cap *= 2;
    }
    char *d = fantasy__realloc(&b->a, b->data, cap);
    if (!d) {
        return fantasy__oom();
    }
    b->data = d;
    b->cap = cap;
    return FANTASY_OK;
}

FANTASY_API fantasy_status fantasy_buf_append(fantasy_buf *buf, const void *data, size_t len) {
    if (!buf || (!data && len)) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_buf_append: NULL buffer or data");
    }
    if (len > SIZE_MAX - buf->len - 1) {
        return fantasy__oom();
    }
    fantasy_status st = buf_reserve(buf, buf->len + len + 1);
    if (st != FANTASY_OK) {
        return st;
    }
    if (len) {
        memcpy(buf->data + buf->len, data, len);
    }
    buf->len += len;
    buf->data[buf->len] = '\0';
    return FANTASY_OK;
}

FANTASY_API fantasy_status fantasy_buf_set(fantasy_buf *buf, const void *data, size_t len) {
    if (!buf || (!data && len)) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_buf_set: NULL buffer or data");
    }
    if (len == SIZE_MAX) {
        return fantasy__oom();
    }
    fantasy_status st = buf_reserve(buf, len + 1);
    if (st != FANTASY_OK) {
        return st;
    }
    if (len) {
        memmove(buf->data, data, len);
    }
    buf->len = len;
    buf->data[len] = '\0';
    return FANTASY_OK;
}

FANTASY_API const char *fantasy_buf_data(const fantasy_buf *buf) {
    return (buf && buf->data) ? buf->data : "";
}

FANTASY_API size_t fantasy_buf_len(const fantasy_buf *buf) {
    return buf ? buf->len : 0;
}

FANTASY_API fantasy_status fantasy_list_new(const fantasy_allocator *alloc, fantasy_list **out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_list_new: NULL out");
    }
    *out = NULL;
    fantasy_allocator a;
    fantasy_status st = pick_allocator(alloc, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy_list *l = fantasy__calloc(&a, 1, sizeof *l);
    if (!l) {
        return fantasy__oom();
    }
    l->a = a;
    *out = l;
    return FANTASY_OK;
}

FANTASY_API void fantasy_list_clear(fantasy_list *list) {
    if (!list) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        fantasy__free(&list->a, list->items[i].str);
    }
    list->n = 0;
}

FANTASY_API void fantasy_list_free(fantasy_list *list) {
    if (list) {
        fantasy_list_clear(list);
        fantasy__free(&list->a, list->items);
        fantasy_allocator a = list->a;
        fantasy__free(&a, list);
    }
}

FANTASY_API fantasy_status fantasy_list_add(fantasy_list *list, const char *str, int64_t num) {
    if (!list || !str) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_list_add: NULL list or string");
    }
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        list_item *items = fantasy__realloc(&list->a, list->items, cap * sizeof *items);
        if (!items) {
            return fantasy__oom();
        }
        list->items = items;
        list->cap = cap;
    }
    char *copy = fantasy__strdup(&list->a, str);
    if (!copy) {
        return fantasy__oom();
    }
    list->items[list->n].str = copy;
    list->items[list->n].num = num;
    list->n++;
    return FANTASY_OK;
}

FANTASY_API size_t fantasy_list_size(const fantasy_list *list) {
    return list ? list->n : 0;
}

FANTASY_API const char *fantasy_list_str(const fantasy_list *list, size_t i) {
    return (list && i < list->n) ? list->items[i].str : NULL;
}

FANTASY_API int64_t fantasy_list_num(const fantasy_list *list, size_t i) {
    return (list && i < list->n) ? list->items[i].num : 0;
}
