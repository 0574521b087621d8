#include "net/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "base/crypto.h"

namespace tether::net {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

// TLS 1.2 suites: ECDHE key exchange with AEAD ciphers only. TLS 1.3 suites are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

std::string OpenSslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = {};
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return e != 0 ? what + ": " + buf : what;
}

Result<std::string> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return MakeError("config", "cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileMode(const std::filesystem::path& p, const std::string& data, mode_t mode) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return MakeError("io", "cannot create " + p.string());
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return MakeError("io", "cannot write " + p.string());
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  return {};
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string ToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<std::pair<std::string, std::string>> GenerateSelfSigned(const std::vector<std::string>& names) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return MakeError("tls", OpenSslError("key generation failed"));
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  uint8_t serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Tether"), -1, -1, 0);
  const std::string cn = names.empty() ? "localhost" : names.front();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  std::string san;
  for (const auto& n : names) {
    unsigned char buf[16];
    bool is_ip = inet_pton(AF_INET, n.c_str(), buf) == 1 || inet_pton(AF_INET6, n.c_str(), buf) == 1;
    if (!san.empty()) san += ",";
    san += (is_ip ? "IP:" : "DNS:") + n;
  }
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, std::string> exts[] = {
      {NID_subject_alt_name, san},
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "serverAuth"},
  };
  for (const auto& [nid, value] : exts) {
    if (value.empty()) continue;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    if (!ext) return MakeError("tls", OpenSslError("bad certificate extension"));
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return MakeError("tls", OpenSslError("certificate signing failed"));
  }
  return std::make_pair(ToPem(cert.get()), ToPem(key.get()));
}

Status CheckMaterial(const TlsMaterial& m) {
  BioPtr cbio(BIO_new_mem_buf(m.cert_pem.data(), static_cast<int>(m.cert_pem.size())));
  X509Ptr cert(PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr));
  if (!cert) return MakeError("config", OpenSslError("certificate is not valid PEM"));
  BioPtr kbio(BIO_new_mem_buf(m.key_pem.data(), static_cast<int>(m.key_pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr));
  if (!key) return MakeError("config", OpenSslError("private key is not valid PEM"));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return MakeError("config", "private key does not match the certificate");
  }
  return {};
}

}  // namespace

Result<std::string> SpkiPinFromPem(const std::string& cert_pem) {
  BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return MakeError("tls", OpenSslError("certificate is not valid PEM"));
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (len <= 0) return MakeError("tls", OpenSslError("cannot encode public key"));
  uint8_t digest[32];
  unsigned int dlen = 0;
  EVP_Digest(der, static_cast<size_t>(len), digest, &dlen, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return "sha256/" + Base64(std::span<const uint8_t>(digest, dlen));
}

Result<TlsMaterial> LoadTlsMaterial(const std::filesystem::path& cert_file,
                                    const std::filesystem::path& key_file) {
  auto cert = ReadFile(cert_file);
  if (!cert) return cert.error();
  auto key = ReadFile(key_file);
  if (!key) return key.error();
  TlsMaterial m{*cert, *key, "", false};
  if (auto st = CheckMaterial(m); !st) return st.error();
  auto pin = SpkiPinFromPem(m.cert_pem);
  if (!pin) return pin.error();
  m.spki_pin = *pin;
  return m;
}

Result<TlsMaterial> LoadOrGenerateTlsMaterial(const std::filesystem::path& dir,
                                              const std::vector<std::string>& names) {
  const auto cert_file = dir / "server.crt";
  const auto key_file = dir / "server.key";
  std::error_code ec;
  bool have_cert = std::filesystem::exists(cert_file, ec);
  bool have_key = std::filesystem::exists(key_file, ec);
  if (have_cert && have_key) return LoadTlsMaterial(cert_file, key_file);
  if (have_cert != have_key) {
    return MakeError("config", "only one of server.crt and server.key exists in " + dir.string());
  }
  std::filesystem::create_directories(dir, ec);
  ::chmod(dir.c_str(), 0700);
  auto pair = GenerateSelfSigned(names);
  if (!pair) return pair.error();
  // Key first, created 0600 with O_EXCL so no other process can have opened it.
  if (auto st = WriteFileMode(key_file, pair->second, 0600); !st) return st.error();
  if (auto st = WriteFileMode(cert_file, pair->first, 0644); !st) return st.error();
  auto m = LoadTlsMaterial(cert_file, key_file);
  if (m) m->generated = true;
  return m;
}

Status ConfigureServerContext(SSL_CTX* ctx, const TlsMaterial& material) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 |
                               SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) {
    return MakeError("tls", OpenSslError("cipher configuration failed"));
  }
  BioPtr cbio(BIO_new_mem_buf(material.cert_pem.data(), static_cast<int>(material.cert_pem.size())));
  X509Ptr leaf(PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr));
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return MakeError("tls", OpenSslError("cannot use certificate"));
  }
  while (X509* extra = PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr)) {
    SSL_CTX_add0_chain_cert(ctx, extra);  // takes ownership
  }
  ERR_clear_error();  // end of the chain reads as an error
  BioPtr kbio(BIO_new_mem_buf(material.key_pem.data(), static_cast<int>(material.key_pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr));
  if (!key || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return MakeError("tls", OpenSslError("cannot use private key"));
  }
  return {};
}

std::string ExportChannelBinding(SSL* ssl) {
  std::string out(kChannelBindingSize, '\0');
  if (SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(out.data()), out.size(), kChannelBindingLabel,
                                 sizeof kChannelBindingLabel - 1, nullptr, 0, 0) != 1) {
    return {};
  }
  return out;
}

Status VerifyPeerPin(const SSL* ssl, const std::string& expected_pin) {
  X509Ptr cert(SSL_get1_peer_certificate(ssl));
  if (!cert) return MakeError("tls", "the server presented no certificate");
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (len <= 0) return MakeError("tls", "cannot read the server's public key");
  uint8_t digest[32];
  unsigned int dlen = 0;
  EVP_Digest(der, static_cast<size_t>(len), digest, &dlen, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  std::string actual = "sha256/" + Base64(std::span<const uint8_t>(digest, dlen));
  if (!ConstantTimeEquals(actual, expected_pin)) {
    return MakeError("pin_mismatch", "the server's key does not match the pinned key (expected " +
                                         expected_pin + ", got " + actual + ")");
  }
  return {};
}

Status ConfigureClientContext(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) {
    return MakeError("tls", OpenSslError("cipher configuration failed"));
  }
  return {};
}

}  // namespace tether::net
