{
  "targets": [
    {
      "target_name": "straceback",
      "sources": [
        "native/addon.cc",
        "native/bpfset.cc",
        "native/pins.cc",
        "native/ring.cc",
        "native/rings.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "bpf",
        "bpf/.output"
      ],
      "libraries": [
        "-lbpf",
        "-lelf",
        "-lz"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Wno-missing-field-initializers"
      ],
      "cflags_cc!": [
        "-fno-exceptions"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS"
      ]
    },
    {
      "target_name": "sb-gate",
      "type": "executable",
      "sources": [
        "native/gate.c"
      ],
      "cflags": [
        "-O2",
        "-Wall",
        "-Wextra"
      ]
    }
  ]
}