// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "heap.h"

static bool earlier(const struct xt_held *a, const struct xt_held *b)
{
	if (a->when_ns != b->when_ns)
		return a->when_ns < b->when_ns;
	return a->order < b->order;
}

static void swap(struct xt_heap *h, size_t i, size_t j)
{
	struct xt_held *t = h->v[i];

	h->v[i] = h->v[j];
	h->v[j] = t;
}

int xt_heap_push(struct xt_heap *h, struct xt_held *e)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 1024;
		struct xt_held **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	i = h->n++;
	h->v[i] = e;
	while (i > 0 && earlier(h->v[i], h->v[(i - 1) / 2])) {
		swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

struct xt_held *xt_heap_top(const struct xt_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

struct xt_held *xt_heap_pop(struct xt_heap *h)
{
	struct xt_held *top;
	size_t i = 0;

	if (!h->n)
		return NULL;
	top = h->v[0];
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->n && earlier(h->v[l], h->v[m]))
			m = l;
		if (r < h->n && earlier(h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		swap(h, i, m);
		i = m;
	}
	return top;
}

void xt_heap_free(struct xt_heap *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
	*h = (struct xt_heap){ 0 };
}
