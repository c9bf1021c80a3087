# Shipping build (prebuildify drives node-gyp; also the from-source fallback on install).
# Sources come from native/sources.json, shared with CMakeLists.txt so the two cannot drift.
# Per-ISA kernel files are static libraries with their own -m flags: nothing else in the addon
# may use AVX, so the binary loads on baseline x86-64 and dispatches at runtime.
{
  "target_defaults": {
    # -ffp-contract=off everywhere: no fused multiply-adds the source does not ask for, so
    # aarch64 (where GCC would otherwise contract a * b + c) rounds as x86-64's baseline does.
    "cflags_cc": ["-std=c++17", "-O3", "-Wall", "-Wextra", "-fexceptions", "-ffp-contract=off"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags!": ["-fno-exceptions"],
    # zstdDefines: the vendored zstd's symbols stay inside the addon (hidden, never interposed by
    # a host process that exports its own zstd), for the library and for its callers alike.
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "<!@(node -p \"require('./native/sources.json').zstdDefines.join(' ')\")"],
    "include_dirs": ["native"]
  },
  "targets": [
    # On x86-64 the ISA libraries get their -m flags. Elsewhere (linux-arm64) they compile as the
    # portable code (GCC vector extensions at 16 bytes: NEON on aarch64) and are never selected
    # (dispatch.cc: only baseline is supported off x86), so no C++ needs per-platform #ifs.
    {
      "target_name": "tessera_avx2",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').isa.avx2.join(' ')\")"],
      "cflags_cc": ["-fPIC"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "cflags_cc": ["<!@(node -p \"require('./native/sources.json').isaFlags.avx2.join(' ')\")"]
        }]
      ]
    },
    {
      "target_name": "tessera_avx512",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').isa.avx512.join(' ')\")"],
      "cflags_cc": ["-fPIC"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "cflags_cc": ["<!@(node -p \"require('./native/sources.json').isaFlags.avx512.join(' ')\")"]
        }]
      ]
    },
    # The official zstd C sources (native/third_party/zstd, BSD; docs/architecture.md names the
    # version), compiled as C. Their warnings are zstd's to fix, so they are silenced for these
    # files only; our own code keeps -Wall -Wextra.
    {
      "target_name": "tessera_zstd",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').zstd.join(' ')\")"],
      # zstdLibDefines: only the fast and dfast compressors (levels 1-2; toZarr writes level 1,
      # higher levels fall back to dfast): the strategies of levels 3-22 would double the binary.
      # Decompression is complete (any level decodes).
      "defines": ["<!@(node -p \"require('./native/sources.json').zstdLibDefines.join(' ')\")"],
      "cflags_c": ["-O3", "-fPIC", "-fvisibility=hidden", "-w"],
      "cflags": ["-fPIC", "-fvisibility=hidden"]
    },
    {
      "target_name": "tessera",
      "dependencies": ["tessera_avx2", "tessera_avx512", "tessera_zstd"],
      "sources": [
        "<!@(node -p \"require('./native/sources.json').core.join(' ')\")",
        "<!@(node -p \"require('./native/sources.json').addon.join(' ')\")"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "libraries": ["-lpthread"],
      # Resolve every symbol at load time: a broken binary fails in dlopen, where the loader can
      # explain it, instead of killing the process at first call.
      "ldflags": ["-Wl,-z,now"]
    }
  ]
}
