/* crypt.c - AES-256-GCM snapshot encryption with OpenSSL EVP (see crypt.h). */
#include "crypt.h"
#include "util/strbuf.h"
#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KDF_RAW = 0, KDF_PBKDF2 = 1 };
enum { SALT_LEN = 16, NONCE_LEN = 12, KEY_LEN = 32 };

struct stk_crypt_key {
    int kind;
    char *pass;
    size_t pass_len;
    unsigned char raw[KEY_LEN];
    uint32_t iterations;
};

static stk_crypt_key *key_new(int kind)
{
    stk_crypt_key *k = stk_xcalloc(1, sizeof *k);
    k->kind = kind;
    k->iterations = STK_CRYPT_PBKDF2_ITERATIONS;
    return k;
}

stk_crypt_key *stk_crypt_key_from_passphrase(const char *passphrase, stk_diags *d)
{
    if (!passphrase || !*passphrase) {
        stk_diags_error(d, NULL, "Empty encryption passphrase",
                        "encryption_passphrase must not be empty.");
        return NULL;
    }
    stk_crypt_key *k = key_new(KDF_PBKDF2);
    k->pass = stk_xstrdup(passphrase);
    k->pass_len = strlen(passphrase);
    return k;
}

stk_crypt_key *stk_crypt_key_from_bytes(const unsigned char key[32])
{
    stk_crypt_key *k = key_new(KDF_RAW);
    memcpy(k->raw, key, KEY_LEN);
    k->iterations = 0;
    return k;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

stk_crypt_key *stk_crypt_key_from_file(const char *path, stk_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        stk_diags_error(d, NULL, "Cannot read the encryption key file", "%s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char buf[80];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unsigned char key[KEY_LEN];
    int ok = 0;
    if (n == KEY_LEN) {
        memcpy(key, buf, KEY_LEN);
        ok = 1;
    } else {
        size_t m = n;
        while (m > 0 && (buf[m - 1] == '\n' || buf[m - 1] == '\r')) m--;
        if (m == 2 * KEY_LEN) {
            ok = 1;
            for (size_t i = 0; i < KEY_LEN && ok; i++) {
                int hi = hexval(buf[2 * i]), lo = hexval(buf[2 * i + 1]);
                if (hi < 0 || lo < 0) ok = 0;
                else key[i] = (unsigned char)(hi << 4 | lo);
            }
        }
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (!ok) {
        stk_diags_error(d, NULL, "Invalid encryption key file",
                        "%s must hold exactly 32 raw bytes or 64 hexadecimal characters (e.g. made with "
                        "`openssl rand -hex 32`).", path);
        return NULL;
    }
    stk_crypt_key *k = stk_crypt_key_from_bytes(key);
    OPENSSL_cleanse(key, sizeof key);
    return k;
}

void stk_crypt_key_set_iterations(stk_crypt_key *k, uint32_t iterations)
{
    if (k->kind == KDF_PBKDF2) k->iterations = iterations ? iterations : STK_CRYPT_PBKDF2_ITERATIONS;
}

void stk_crypt_key_free(stk_crypt_key *k)
{
    if (!k) return;
    if (k->pass) {
        OPENSSL_cleanse(k->pass, k->pass_len);
        free(k->pass);
    }
    OPENSSL_cleanse(k, sizeof *k);
    free(k);
}

int stk_crypt_is_encrypted(const unsigned char *buf, size_t len)
{
    return len >= 8 && memcmp(buf, STK_CRYPT_MAGIC, 8) == 0;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The AES key for a message with this kdf/salt/iterations. */
static int derive(stk_crypt_key *k, const unsigned char *salt, uint32_t iterations, unsigned char out[KEY_LEN],
                  stk_diags *d)
{
    if (k->kind == KDF_RAW) {
        memcpy(out, k->raw, KEY_LEN);
        return 0;
    }
    if (PKCS5_PBKDF2_HMAC(k->pass, (int)k->pass_len, salt, SALT_LEN, (int)iterations, EVP_sha256(), KEY_LEN, out) !=
        1) {
        stk_diags_error(d, NULL, "Key derivation failed", "OpenSSL PBKDF2-HMAC-SHA256 failed.");
        return -1;
    }
    return 0;
}

static int gcm(int enc, const unsigned char key[KEY_LEN], const unsigned char *nonce, const unsigned char *aad,
               size_t aad_len, const unsigned char *in, size_t len, unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = c != NULL, n = 0;
    ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1;
    ok = ok && EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1;
    ok = ok && EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) == 1;
    size_t off = 0;
    while (ok && off < len) {   /* EVP lengths are int: feed large inputs in chunks */
        size_t chunk = len - off > (1u << 30) ? (1u << 30) : len - off;
        ok = EVP_CipherUpdate(c, out + off, &n, in + off, (int)chunk) == 1 && (size_t)n == chunk;
        off += chunk;
    }
    if (ok && !enc) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, STK_CRYPT_TAG_LEN, tag) == 1;
    ok = ok && EVP_CipherFinal_ex(c, out + off, &n) == 1;
    if (ok && enc) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, STK_CRYPT_TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

int stk_crypt_encrypt(stk_crypt_key *k, const unsigned char *in, size_t len, unsigned char **out,
                      size_t *out_len, stk_diags *d)
{
    *out = NULL;
    *out_len = 0;
    size_t total = STK_CRYPT_HEADER_LEN + len + STK_CRYPT_TAG_LEN;
    unsigned char *m = stk_xcalloc(1, total);
    memcpy(m, STK_CRYPT_MAGIC, 8);
    m[8] = (unsigned char)k->kind;
    put32(m + 12, k->kind == KDF_RAW ? 0 : k->iterations);
    unsigned char *salt = m + 16, *nonce = m + 32;
    if ((k->kind == KDF_PBKDF2 && RAND_bytes(salt, SALT_LEN) != 1) || RAND_bytes(nonce, NONCE_LEN) != 1) {
        stk_diags_error(d, NULL, "Cannot encrypt the state snapshot", "OpenSSL could not produce random bytes.");
        free(m);
        return -1;
    }
    unsigned char key[KEY_LEN];
    if (derive(k, salt, get32(m + 12), key, d)) {
        free(m);
        return -1;
    }
    int rc = gcm(1, key, nonce, m, STK_CRYPT_HEADER_LEN, in, len, m + STK_CRYPT_HEADER_LEN,
                 m + STK_CRYPT_HEADER_LEN + len);
    OPENSSL_cleanse(key, sizeof key);
    if (rc) {
        stk_diags_error(d, NULL, "Cannot encrypt the state snapshot", "OpenSSL AES-256-GCM encryption failed.");
        free(m);
        return -1;
    }
    *out = m;
    *out_len = total;
    return 0;
}

int stk_crypt_decrypt(stk_crypt_key *k, const unsigned char *in, size_t len, unsigned char **out,
                      size_t *out_len, stk_diags *d)
{
    *out = NULL;
    *out_len = 0;
    if (!stk_crypt_is_encrypted(in, len) || len < STK_CRYPT_HEADER_LEN + STK_CRYPT_TAG_LEN) {
        stk_diags_error(d, NULL, "Cannot decrypt the state snapshot",
                        "The data is not an stk-encrypted snapshot (no STKENC01 header, or too short).");
        return -1;
    }
    int kind = in[8];
    uint32_t iterations = get32(in + 12);
    if (kind != KDF_RAW && kind != KDF_PBKDF2) {
        stk_diags_error(d, NULL, "Cannot decrypt the state snapshot", "Unknown key derivation %d in the header.",
                        kind);
        return -1;
    }
    if (kind != k->kind) {
        stk_diags_error(d, NULL, "Cannot decrypt the state snapshot",
                        "The snapshot was encrypted with %s, but the backend configuration gives %s.",
                        kind == KDF_RAW ? "a key file (encryption_key_file)" : "a passphrase (encryption_passphrase)",
                        k->kind == KDF_RAW ? "a key file" : "a passphrase");
        return -1;
    }
    if (kind == KDF_PBKDF2 && (iterations < 1000 || iterations > 100000000u)) {
        stk_diags_error(d, NULL, "Cannot decrypt the state snapshot",
                        "Implausible PBKDF2 iteration count %u in the header.", iterations);
        return -1;
    }
    unsigned char key[KEY_LEN];
    if (derive(k, in + 16, iterations, key, d)) return -1;
    size_t n = len - STK_CRYPT_HEADER_LEN - STK_CRYPT_TAG_LEN;
    unsigned char *plain = stk_xmalloc(n ? n : 1);
    unsigned char tag[STK_CRYPT_TAG_LEN];
    memcpy(tag, in + len - STK_CRYPT_TAG_LEN, STK_CRYPT_TAG_LEN);
    int rc = gcm(0, key, in + 32, in, STK_CRYPT_HEADER_LEN, in + STK_CRYPT_HEADER_LEN, n, plain, tag);
    OPENSSL_cleanse(key, sizeof key);
    if (rc) {
        OPENSSL_cleanse(plain, n);
        free(plain);
        stk_diags_error(d, NULL, "Cannot decrypt the state snapshot",
                        "Authentication failed: the encryption key or passphrase is wrong, or the data was "
                        "changed or damaged.");
        return -1;
    }
    *out = plain;
    *out_len = n;
    return 0;
}
