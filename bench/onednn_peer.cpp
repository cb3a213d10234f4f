// oneDNN matmul as a pre-packed-weights user runs it: weights [K x N] given as the transpose of
// our [N x K] buffer, reordered once into the primitive's preferred layout outside the timing.
#include "peers.hpp"

#if defined(QGEMM_BENCH_HAVE_ONEDNN)
#include <oneapi/dnnl/dnnl.hpp>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include <cstdint>
#include <random>
#include <vector>
#endif

namespace qgemm_bench {

#if defined(QGEMM_BENCH_HAVE_ONEDNN)
namespace {

using dnnl::memory;

class OnednnMatmul : public Runner {
 public:
  OnednnMatmul(const Problem& p, memory::data_type src_t, memory::data_type wei_t,
               memory::data_type dst_t)
      : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    const auto M = static_cast<memory::dim>(p.M), N = static_cast<memory::dim>(p.N),
               K = static_cast<memory::dim>(p.K);
    const memory::desc src_md({M, K}, src_t, memory::format_tag::ab);
    const memory::desc wei_plain({K, N}, wei_t, memory::format_tag::ba);  // our [N x K] rows
    const memory::desc wei_any({K, N}, wei_t, memory::format_tag::any);
    const memory::desc dst_md({M, N}, dst_t, memory::format_tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, wei_any, dst_md), engine_);
    src_ = memory(src_md, engine_);
    dst_ = memory(dst_md, engine_);
    memory wei_user(wei_plain, engine_);
    fill(src_, src_t);
    fill(wei_user, wei_t);
    weights_ = memory(pd.weights_desc(), engine_);
    dnnl::reorder(wei_user, weights_).execute(stream_, wei_user, weights_);
    stream_.wait();
    matmul_ = dnnl::matmul(pd);
    impl_ = pd.impl_info_str();
  }
  std::string description() const override { return "oneDNN " + impl_; }
  void run() override {
    matmul_.execute(stream_,
                    {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}});
    stream_.wait();
  }

 private:
  static void fill(memory& m, memory::data_type t) {
    std::mt19937 rng(2);
    const std::size_t n = m.get_desc().get_size();
    void* data = m.get_data_handle();
    if (t == memory::data_type::f32) {
      std::normal_distribution<float> d(0.0f, 1.0f);
      auto* f = static_cast<float*>(data);
      for (std::size_t i = 0; i < n / sizeof(float); ++i) f[i] = d(rng);
    } else {
      std::uniform_int_distribution<int> d(t == memory::data_type::u8 ? 0 : -128,
                                           t == memory::data_type::u8 ? 255 : 127);
      auto* b = static_cast<std::uint8_t*>(data);
      for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(d(rng));
    }
  }

  dnnl::engine engine_;
  dnnl::stream stream_;
  memory src_, weights_, dst_;
  dnnl::matmul matmul_;
  std::string impl_;
};

}  // namespace

std::unique_ptr<Runner> make_onednn_runner(const std::string& dtype, const Problem& p,
                                           int threads) {
#if defined(_OPENMP)
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
  using dt = memory::data_type;
  if (dtype == "f32") return std::make_unique<OnednnMatmul>(p, dt::f32, dt::f32, dt::f32);
  if (dtype == "u8s8") return std::make_unique<OnednnMatmul>(p, dt::u8, dt::s8, dt::s32);
  if (dtype == "s8s8") return std::make_unique<OnednnMatmul>(p, dt::s8, dt::s8, dt::s32);
  return nullptr;  // oneDNN 2.x has no int4 matmul
}
bool onednn_built() {
  return true;
}
std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

#else

std::unique_ptr<Runner> make_onednn_runner(const std::string&, const Problem&, int) {
  return nullptr;
}
bool onednn_built() {
  return false;
}
std::string onednn_version() {
  return "not built";
}

#endif

}  // namespace qgemm_bench
