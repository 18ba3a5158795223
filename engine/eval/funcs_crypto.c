/* funcs_crypto.c - hash functions (md5, sha1, sha256, sha512 and their
 * base64 forms, via OpenSSL EVP) and uuid() (random version 4; impure:
 * unknown during plan). */
#include "eval/funcs_internal.h"
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

static stk_type *const T_S[] = { &stk_type_string };

char *stk_digest(const char *alg, const void *p, size_t n, int raw, size_t *outlen)
{
    const EVP_MD *md = !strcmp(alg, "md5") ? EVP_md5() : !strcmp(alg, "sha1") ? EVP_sha1()
                     : !strcmp(alg, "sha256") ? EVP_sha256() : EVP_sha512();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!EVP_Digest(p, n, d, &dl, md, NULL)) return NULL;
    if (raw) {
        char *o = stk_xmalloc(dl);
        memcpy(o, d, dl);
        if (outlen) *outlen = dl;
        return o;
    }
    char *o = stk_xmalloc(dl * 2 + 1);
    for (unsigned i = 0; i < dl; i++) snprintf(o + 2 * i, 3, "%02x", d[i]);
    if (outlen) *outlen = dl * 2;
    return o;
}

static stk_value *hash_fn(stk_value **args, size_t nargs, const char *alg, int b64, char **err, int *err_arg)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    size_t dl;
    char *d = stk_digest(alg, c[0]->u.str.s, c[0]->u.str.len, b64, &dl);
    stk_fn_release(c, 1);
    if (!d) return stk_fn_fail(err, err_arg, -1, "failed to compute %s digest", alg);
    if (!b64) return stk_value_string_take(d);
    stk_value *r = stk_value_string_take(stk_base64_encode((unsigned char *)d, dl));
    free(d);
    return r;
}

FN(md5) { (void)ctx; return hash_fn(args, nargs, "md5", 0, err, err_arg); }
FN(sha1) { (void)ctx; return hash_fn(args, nargs, "sha1", 0, err, err_arg); }
FN(sha256) { (void)ctx; return hash_fn(args, nargs, "sha256", 0, err, err_arg); }
FN(sha512) { (void)ctx; return hash_fn(args, nargs, "sha512", 0, err, err_arg); }
FN(base64sha256) { (void)ctx; return hash_fn(args, nargs, "sha256", 1, err, err_arg); }
FN(base64sha512) { (void)ctx; return hash_fn(args, nargs, "sha512", 1, err, err_arg); }

FN(uuid)
{
    if (ctx && ctx->deterministic) return stk_value_unknown(STK_STRING);
    unsigned char u[16];
    if (RAND_bytes(u, sizeof u) != 1) return stk_fn_fail(err, err_arg, -1, "failed to generate random bytes");
    u[6] = (unsigned char)((u[6] & 0x0F) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);
    char s[37];
    snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    return stk_value_string(s);
}

static void uuid_format(const unsigned char *u, char *s)
{
    snprintf(s, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Google's uuid.Parse for the canonical 36-character form (and urn:uuid:, {...}) */
static const char *uuid_parse(const char *s, unsigned char *u)
{
    size_t n = strlen(s);
    if (n == 45 && !strncasecmp(s, "urn:uuid:", 9)) { s += 9; n = 36; }
    else if (n == 38 && s[0] == '{' && s[37] == '}') { s += 1; n = 36; }
    else if (n == 32) {
        for (int i = 0; i < 16; i++) {
            int a = hexv(s[2 * i]), b = hexv(s[2 * i + 1]);
            if (a < 0 || b < 0) return "invalid UUID format";
            u[i] = (unsigned char)(a << 4 | b);
        }
        return NULL;
    }
    if (n != 36) return "invalid UUID length";
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return "invalid UUID format";
    static const int pos[16] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34 };
    for (int i = 0; i < 16; i++) {
        int a = hexv(s[pos[i]]), b = hexv(s[pos[i] + 1]);
        if (a < 0 || b < 0) return "invalid UUID format";
        u[i] = (unsigned char)(a << 4 | b);
    }
    return NULL;
}

FN(uuidv5)
{
    static stk_type *const T2[] = { &stk_type_string, &stk_type_string };
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T2, 2, 0, c, err, err_arg)) return NULL;
    static const char *const names[] = { "dns", "url", "oid", "x500" };
    static const unsigned char ns_tab[4][16] = {
        { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 },
        { 0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 },
        { 0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 },
        { 0x6b, 0xa7, 0xb8, 0x14, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 },
    };
    unsigned char ns[16];
    stk_value *r = NULL;
    int known = 0;
    for (int i = 0; i < 4; i++)
        if (!strcmp(c[0]->u.str.s, names[i])) { memcpy(ns, ns_tab[i], 16); known = 1; }
    if (!known) {
        const char *why = uuid_parse(c[0]->u.str.s, ns);
        if (why) {
            stk_fn_fail(err, err_arg, -1, "uuidv5() doesn't support namespace %s (%s)", c[0]->u.str.s, why);
            goto out;
        }
    }
    {
        size_t nl = c[1]->u.str.len;
        unsigned char *buf = stk_xmalloc(16 + nl);
        memcpy(buf, ns, 16);
        memcpy(buf + 16, c[1]->u.str.s, nl);
        size_t dl;
        char *d = stk_digest("sha1", buf, 16 + nl, 1, &dl);
        free(buf);
        unsigned char u[16];
        memcpy(u, d, 16);
        free(d);
        u[6] = (unsigned char)((u[6] & 0x0F) | 0x50);
        u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);
        char out[37];
        uuid_format(u, out);
        r = stk_value_string(out);
    }
out:
    stk_fn_release(c, 2);
    return r;
}

FN(rsadecrypt)
{
    static stk_type *const T2[] = { &stk_type_string, &stk_type_string };
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T2, 2, 0, c, err, err_arg)) return NULL;
    stk_value *r = NULL;
    unsigned char *ct = NULL, *out = NULL;
    size_t ctl = 0, outl = 0;
    BIO *bio = NULL;
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    if (stk_base64_decode(c[0]->u.str.s, c[0]->u.str.len, &ct, &ctl)) {
        stk_fn_fail(err, err_arg, 0, "failed to decode input \"%s\": cipher text must be base64-encoded", c[0]->u.str.s);
        goto out;
    }
    bio = BIO_new_mem_buf(c[1]->u.str.s, (int)c[1]->u.str.len);
    pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    if (!pk) {
        stk_fn_fail(err, err_arg, 1, "invalid private key: ssh: no key found");
        goto out;
    }
    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
        stk_fn_fail(err, err_arg, 1, "invalid private key type: not an RSA key");
        goto out;
    }
    pctx = EVP_PKEY_CTX_new(pk, NULL);
    if (!pctx || EVP_PKEY_decrypt_init(pctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_decrypt(pctx, NULL, &outl, ct, ctl) <= 0) {
        stk_fn_fail(err, err_arg, -1, "failed to decrypt: crypto/rsa: decryption error");
        goto out;
    }
    out = stk_xmalloc(outl + 1);
    if (EVP_PKEY_decrypt(pctx, out, &outl, ct, ctl) <= 0) {
        stk_fn_fail(err, err_arg, -1, "failed to decrypt: crypto/rsa: decryption error");
        goto out;
    }
    r = stk_value_stringn((char *)out, outl);
out:
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(pk);
    BIO_free(bio);
    free(ct);
    free(out);
    stk_fn_release(c, 2);
    return r;
}

const stk_func stk_funcs_crypto[] = {
    { "rsadecrypt", 2, 2, 0, fn_rsadecrypt, "rsadecrypt(ciphertext string, privatekey string) string" },
    { "uuidv5", 2, 2, 0, fn_uuidv5, "uuidv5(namespace string, name string) string" },
    { "base64sha256", 1, 1, 0, fn_base64sha256, "base64sha256(str string) string" },
    { "base64sha512", 1, 1, 0, fn_base64sha512, "base64sha512(str string) string" },
    { "md5", 1, 1, 0, fn_md5, "md5(str string) string" },
    { "sha1", 1, 1, 0, fn_sha1, "sha1(str string) string" },
    { "sha256", 1, 1, 0, fn_sha256, "sha256(str string) string" },
    { "sha512", 1, 1, 0, fn_sha512, "sha512(str string) string" },
    { "uuid", 0, 0, STK_FUNC_IMPURE, fn_uuid, "uuid() string" },
    { NULL, 0, 0, 0, NULL, NULL },
};
