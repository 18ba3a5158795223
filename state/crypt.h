/* crypt.h - client-side encryption of state snapshots before they leave the
 * machine (the S3 backup), as OpenTofu's state encryption offers: whoever
 * can read the bucket without the key sees only ciphertext.
 *
 * Cipher: AES-256-GCM (OpenSSL EVP), a random 96-bit nonce per message and
 * a 128-bit tag; the whole header is authenticated as additional data, so a
 * wrong key, a changed header or a flipped ciphertext bit all fail the tag
 * check ("wrong key or damaged data") and nothing is returned.
 *
 * Keys:
 *   - a passphrase: the key is PBKDF2-HMAC-SHA256(passphrase, salt,
 *     iterations) with a random 16-byte salt and the iteration count stored
 *     in the header (default STK_CRYPT_PBKDF2_ITERATIONS);
 *   - a key file: exactly 32 raw bytes, or 64 hexadecimal characters
 *     (optionally followed by a newline).  Create one with
 *     `openssl rand -hex 32 > state.key`.
 *
 * Format (all integers big-endian):
 *     magic      8  "STKENC01"
 *     kdf        1  0 = raw key file, 1 = PBKDF2-HMAC-SHA256
 *     reserved   3  zero
 *     iterations 4  PBKDF2 iterations (0 for a raw key)
 *     salt      16  PBKDF2 salt (zeros for a raw key)
 *     nonce     12
 *     ciphertext n
 *     tag       16
 * A message written with a passphrase cannot be opened with a key file and
 * the other way round (the error says which kind of key it needs).
 *
 * Ownership: output buffers are malloc'd (caller frees).  A stk_crypt_key
 * keeps its secret in memory it clears on stk_crypt_key_free.
 */
#ifndef STK_STATE_CRYPT_H
#define STK_STATE_CRYPT_H
#include <stddef.h>
#include <stdint.h>
#include "util/diag.h"

#define STK_CRYPT_MAGIC "STKENC01"
#define STK_CRYPT_HEADER_LEN 44      /* magic .. nonce */
#define STK_CRYPT_TAG_LEN 16
#define STK_CRYPT_PBKDF2_ITERATIONS 310000u

typedef struct stk_crypt_key stk_crypt_key;

/* A key from a passphrase (non-empty). */
stk_crypt_key *stk_crypt_key_from_passphrase(const char *passphrase, stk_diags *d);
/* A key from a key file (32 raw bytes or 64 hex characters). */
stk_crypt_key *stk_crypt_key_from_file(const char *path, stk_diags *d);
/* A key from 32 raw bytes (tests). */
stk_crypt_key *stk_crypt_key_from_bytes(const unsigned char key[32]);
/* Iterations for new passphrase messages (tests lower it; 0 restores the
   default).  Reading always uses the count stored in the message. */
void stk_crypt_key_set_iterations(stk_crypt_key *k, uint32_t iterations);
void stk_crypt_key_free(stk_crypt_key *k);

/* 1 when buf starts with the magic (an stk-encrypted message). */
int stk_crypt_is_encrypted(const unsigned char *buf, size_t len);

int stk_crypt_encrypt(stk_crypt_key *k, const unsigned char *in, size_t len, unsigned char **out,
                      size_t *out_len, stk_diags *d);
/* Authenticated decryption: -1 with "Cannot decrypt the state snapshot"
   on a wrong key or any change to the message. */
int stk_crypt_decrypt(stk_crypt_key *k, const unsigned char *in, size_t len, unsigned char **out,
                      size_t *out_len, stk_diags *d);

#endif
