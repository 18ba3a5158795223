/* funcs_net.c - IP network functions: cidrsubnet, cidrsubnets, cidrhost
 * (IPv4 and IPv6) and cidrnetmask (IPv4).  Addresses are held as 128-bit
 * integers with their width (32 or 128 bits); subnet allocation in
 * cidrsubnets follows Terraform's (go-cidr's PreviousSubnet / NextSubnet). */
#include "eval/funcs_internal.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

typedef struct {
    u128 addr;     /* network address (host bits cleared) */
    int bits;      /* 32 or 128 */
    int prefix;
} cidr;

static u128 mask_of(int prefix, int bits)
{
    u128 all = bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1);
    if (prefix <= 0) return 0;
    if (prefix >= bits) return all;
    return all & ~((((u128)1) << (bits - prefix)) - 1);
}

static int parse_ip(const char *s, u128 *out, int *bits)
{
    /* IPv4: dotted decimal, leading zeros read as decimal (as Terraform's parser does) */
    if (!strchr(s, ':')) {
        uint32_t v = 0;
        int parts = 0;
        const char *p = s;
        while (parts < 4) {
            if (*p < '0' || *p > '9') return -1;
            unsigned long o = 0;
            int nd = 0;
            while (*p >= '0' && *p <= '9' && nd < 4) { o = o * 10 + (unsigned long)(*p - '0'); p++; nd++; }
            if (o > 255 || (*p >= '0' && *p <= '9')) return -1;
            v = v << 8 | (uint32_t)o;
            parts++;
            if (parts < 4) { if (*p != '.') return -1; p++; }
        }
        if (*p) return -1;
        *out = v;
        *bits = 32;
        return 0;
    }
    unsigned char b[16];
    if (inet_pton(AF_INET6, s, b) != 1) return -1;
    u128 v = 0;
    for (int i = 0; i < 16; i++) v = v << 8 | b[i];
    *out = v;
    *bits = 128;
    return 0;
}

static int parse_cidr(const char *s, cidr *c, u128 *raw)
{
    const char *sl = strchr(s, '/');
    if (!sl || !sl[1]) return -1;
    char ip[64];
    if ((size_t)(sl - s) >= sizeof ip) return -1;
    memcpy(ip, s, (size_t)(sl - s));
    ip[sl - s] = 0;
    u128 a;
    int bits;
    if (parse_ip(ip, &a, &bits)) return -1;
    char *end;
    long pl = strtol(sl + 1, &end, 10);
    if (*end || pl < 0 || pl > bits || !(sl[1] >= '0' && sl[1] <= '9')) return -1;
    c->bits = bits;
    c->prefix = (int)pl;
    c->addr = a & mask_of((int)pl, bits);
    if (raw) *raw = a;
    return 0;
}

static void fmt_ip(stk_strbuf *b, u128 a, int bits)
{
    if (bits == 32) {
        uint32_t v = (uint32_t)a;
        stk_strbuf_printf(b, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
        return;
    }
    if ((a >> 32) == 0xFFFF) {
        /* Go prints an IPv4-mapped IPv6 address in dotted IPv4 form */
        uint32_t v = (uint32_t)a;
        stk_strbuf_printf(b, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
        return;
    }
    unsigned char by[16];
    for (int i = 15; i >= 0; i--) { by[i] = (unsigned char)(a & 255); a >>= 8; }
    char s[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, by, s, sizeof s);
    stk_strbuf_puts(b, s);
}

static stk_value *cidr_value(u128 a, int bits, int prefix)
{
    stk_strbuf b = STK_STRBUF_INIT;
    fmt_ip(&b, a, bits);
    if (prefix >= 0) stk_strbuf_printf(&b, "/%d", prefix);
    stk_value *v = stk_value_stringn(b.s, b.len);
    stk_strbuf_free(&b);
    return v;
}

static int get_cidr(stk_value *v, cidr *c, char **err, int *err_arg)
{
    if (parse_cidr(v->u.str.s, c, NULL)) {
        stk_fn_fail(err, err_arg, 0, "invalid CIDR expression: invalid CIDR address: %s", v->u.str.s);
        return -1;
    }
    return 0;
}

static stk_type *const T_SNN[] = { &stk_type_string, &stk_type_number, &stk_type_number };

FN(cidrsubnet)
{
    stk_value *c[3];
    if (stk_fn_args(args, nargs, T_SNN, 3, 0, c, err, err_arg)) return NULL;
    stk_value *r = NULL;
    cidr n;
    int64_t newbits, netnum;
    if (get_cidr(c[0], &n, err, err_arg) || stk_fn_int(c[1], 1, &newbits, err, err_arg) ||
        stk_fn_int(c[2], 2, &netnum, err, err_arg))
        goto out;
    if (newbits < 0) { stk_fn_fail(err, err_arg, 1, "must extend prefix by at least zero bits"); goto out; }
    if (n.prefix + newbits > n.bits) {
        stk_fn_fail(err, err_arg, -1, "insufficient address space to extend prefix of %d by %lld", n.prefix,
                    (long long)newbits);
        goto out;
    }
    if (netnum < 0 || (newbits < 63 && netnum >= ((int64_t)1 << newbits))) {
        stk_fn_fail(err, err_arg, -1, "prefix extension of %lld does not accommodate a subnet numbered %lld",
                    (long long)newbits, (long long)netnum);
        goto out;
    }
    int np = n.prefix + (int)newbits;
    u128 a = n.addr | ((u128)(uint64_t)netnum << (n.bits - np));
    r = cidr_value(a, n.bits, np);
out:
    stk_fn_release(c, 3);
    return r;
}

FN(cidrhost)
{
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T_SNN, 2, 0, c, err, err_arg)) return NULL;
    stk_value *r = NULL;
    cidr n;
    int64_t host;
    if (get_cidr(c[0], &n, err, err_arg) || stk_fn_int(c[1], 1, &host, err, err_arg)) goto out;
    int hb = n.bits - n.prefix;
    u128 size = hb >= 128 ? 0 : ((u128)1 << hb);   /* 0 means 2^128 */
    u128 off;
    if (host >= 0) {
        off = (u128)(uint64_t)host;
        if (size && off >= size) goto bad;
    } else {
        u128 neg = (u128)(uint64_t)(-(host + 1)) + 1;
        if (size && neg > size) goto bad;
        off = size - neg;
    }
    r = cidr_value(n.addr + off, n.bits, -1);
    goto out;
bad:
    stk_fn_fail(err, err_arg, -1, "prefix of %d does not accommodate a host numbered %lld", n.prefix, (long long)host);
out:
    stk_fn_release(c, 2);
    return r;
}

FN(cidrnetmask)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_SNN, 1, 0, c, err, err_arg)) return NULL;
    stk_value *r = NULL;
    cidr n;
    if (get_cidr(c[0], &n, err, err_arg)) goto out;
    if (n.bits != 32) {
        stk_fn_fail(err, err_arg, 0, "IPv6 addresses cannot have a netmask: %s", c[0]->u.str.s);
        goto out;
    }
    r = cidr_value(mask_of(n.prefix, 32), 32, -1);
out:
    stk_fn_release(c, 1);
    return r;
}

FN(cidrsubnets)
{
    stk_type *const T[] = { &stk_type_string, &stk_type_number };
    stk_value **c = stk_xmalloc(sizeof(stk_value *) * nargs);
    if (stk_fn_args(args, nargs, T, 2, 0, c, err, err_arg)) { free(c); return NULL; }
    stk_value *r = NULL;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * nargs);
    size_t m = 0;
    cidr n;
    if (get_cidr(c[0], &n, err, err_arg)) goto out;
    if (nargs == 1) { r = stk_value_list(STK_STRING, NULL, 0); goto out; }
    u128 all = n.bits == 128 ? ~(u128)0 : (((u128)1 << 32) - 1);
    int64_t first;
    if (stk_fn_int(c[1], 1, &first, err, err_arg)) goto out;
    /* PreviousSubnet(network, prefix+first) */
    int cur_len = n.prefix + (int)(first < 0 ? 0 : first > 128 ? 128 : first);
    if (cur_len > n.bits) cur_len = n.bits;
    u128 cur = ((n.addr - 1) & all) & mask_of(cur_len, n.bits);
    for (size_t i = 1; i < nargs; i++) {
        int64_t len;
        if (stk_fn_int(c[i], (int)i, &len, err, err_arg)) goto out;
        if (len < 1) { stk_fn_fail(err, err_arg, (int)i, "must extend prefix by at least one bit"); goto out; }
        if (len > 32) { stk_fn_fail(err, err_arg, (int)i, "may not extend prefix by more than 32 bits"); goto out; }
        int nl = n.prefix + (int)len;
        if (nl > n.bits) {
            stk_fn_fail(err, err_arg, (int)i, "would extend prefix to %d bits, which is too long for an %s address",
                        nl, n.bits == 32 ? "IPv4" : "IPv6");
            goto out;
        }
        /* NextSubnet(current, nl) */
        u128 cur_last = cur | (~mask_of(cur_len, n.bits) & all);
        u128 sub = cur_last & mask_of(nl, n.bits);
        u128 last = (sub | (~mask_of(nl, n.bits) & all));
        last = (last + 1) & all;
        u128 next = last & mask_of(nl, n.bits);
        int rollover = last == 0;
        if (rollover || (next & mask_of(n.prefix, n.bits)) != n.addr) {
            stk_strbuf b = STK_STRBUF_INIT;
            fmt_ip(&b, cur, n.bits);
            stk_fn_fail(err, err_arg, (int)i, "not enough remaining address space for a subnet with a prefix of %d "
                                              "bits after %s/%d", nl, stk_strbuf_cstr(&b), cur_len);
            stk_strbuf_free(&b);
            goto out;
        }
        cur = next;
        cur_len = nl;
        items[m++] = cidr_value(cur, n.bits, nl);
    }
    r = stk_value_list(STK_STRING, items, m);
    m = 0;
out:
    stk_fn_release(items, m);
    free(items);
    stk_fn_release(c, nargs);
    free(c);
    return r;
}

const stk_func stk_funcs_net[] = {
    { "cidrhost", 2, 2, 0, fn_cidrhost, "cidrhost(prefix string, hostnum number) string" },
    { "cidrnetmask", 1, 1, 0, fn_cidrnetmask, "cidrnetmask(prefix string) string" },
    { "cidrsubnet", 3, 3, 0, fn_cidrsubnet, "cidrsubnet(prefix string, newbits number, netnum number) string" },
    { "cidrsubnets", 1, -1, 0, fn_cidrsubnets, "cidrsubnets(prefix string, ...newbits number) list of string" },
    { NULL, 0, 0, 0, NULL, NULL },
};
