/*
 * krait/plugin.h: the Krait plugin ABI, in C. A plugin is a shared library that Krait (the `krait` command and
 * krait-studio) loads at start-up; it talks to Krait only through this header: the two functions it exports,
 * the host table Krait hands it, and the kinds it registers there. Tensors cross as DLPack, everything else as
 * plain C values, so a plugin may be built with another compiler or standard library than Krait's.
 *
 * Versioning (docs/plugins.md): KRAIT_PLUGIN_ABI_MAJOR changes when anything here changes incompatibly; Krait
 * then refuses plugins built for another major. A minor version only adds: new host functions and new struct
 * members go at the end, and every struct that may grow starts with `struct_size` (the writer's sizeof), so
 * each side reads only what the other wrote. Krait loads plugins of its major with a minor up to its own.
 *
 * What a plugin provides (each registered from krait_plugin_init):
 *   - a segmentation network for an nnU-Net trainer name (KraitNetworkKind): Krait's pipeline, model store,
 *     CLI and studio do the rest (preprocessing, sliding window, mirroring, folds, export);
 *   - a classifier for a kind of data (KraitClassifierKind), with its label table;
 *   - a reader for a kind of file (KraitReaderKind): volumes it reads open everywhere Krait opens images;
 *   - a `krait` subcommand (KraitCommand) and a krait-studio panel (KraitPanelKind).
 * What Krait offers plugins in return: Mamba's selective scan and its backward pass on Krait's own CPU and CUDA
 * kernels (ABI 1.1: KraitHost.selective_scan, .selective_scan_backward), so a plugin's Mamba layers need no
 * kernels of their own; and Krait's Python-free reader of weights files (ABI 1.2: KraitHost.read_tensors).
 *
 * Rules for every callback: it must not throw (C++ plugins use krait/plugin.hpp, which catches); a failing
 * call returns a status other than KRAIT_OK and writes a message into its KraitError, naming the file
 * involved if any. Strings and tables a plugin registers must stay valid while it is loaded (static storage).
 */
#ifndef KRAIT_PLUGIN_H_
#define KRAIT_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

/* DLPack: Debian's libdlpack-dev, or the copy LibTorch ships (the same v0.6 structs) when that is included. */
#ifndef DLPACK_DLPACK_H_
#if defined(__has_include)
#if __has_include(<dlpack/dlpack.h>)
#include <dlpack/dlpack.h>
#elif __has_include(<ATen/dlpack.h>)
#include <ATen/dlpack.h>
#else
#error "krait/plugin.h needs DLPack: install libdlpack-dev (or build against LibTorch's headers)"
#endif
#else
#include <dlpack/dlpack.h>
#endif
#endif

#define KRAIT_PLUGIN_ABI_MAJOR 1
#define KRAIT_PLUGIN_ABI_MINOR 2
#define KRAIT_PLUGIN_ABI_VERSION ((uint32_t)((KRAIT_PLUGIN_ABI_MAJOR << 16) | KRAIT_PLUGIN_ABI_MINOR))

#if defined(_WIN32)
#define KRAIT_PLUGIN_EXPORT __declspec(dllexport)
#else
#define KRAIT_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum KraitStatus {
  KRAIT_OK = 0,
  KRAIT_ERROR_INPUT = 1,       /* the data, model or file given to the plugin is missing or invalid */
  KRAIT_ERROR_UNSUPPORTED = 2, /* valid, but not something this plugin does (a device, type, configuration) */
  KRAIT_ERROR_CANCELLED = 3,   /* the progress callback asked to stop */
  KRAIT_ERROR_RESOURCES = 4,   /* out of memory (host or GPU) */
  KRAIT_ERROR_INTERNAL = 5     /* anything else: a bug */
} KraitStatus;

#define KRAIT_ERROR_MESSAGE_SIZE 1024
typedef struct KraitError {
  char message[KRAIT_ERROR_MESSAGE_SIZE]; /* NUL-terminated; empty when the call succeeded */
} KraitError;

typedef enum KraitLogLevel { KRAIT_LOG_DEBUG = 0, KRAIT_LOG_INFO = 1, KRAIT_LOG_WARNING = 2, KRAIT_LOG_ERROR = 3 } KraitLogLevel;

/* Progress that can cancel, as llama.cpp's: report() returns 0 when the user asked to stop; the plugin then
 * returns KRAIT_ERROR_CANCELLED as soon as it can. */
typedef struct KraitProgress {
  void* context;
  int (*report)(void* context, const char* stage, int64_t done, int64_t total);
} KraitProgress;

/* ---- Data: what readers produce and classifiers take ---------------------------------------------------- */

typedef enum KraitDataKind {
  KRAIT_DATA_NONE = 0,
  KRAIT_DATA_VOLUME = 1,   /* an image on a 3D grid */
  KRAIT_DATA_WAVEFORM = 2, /* signals sampled in time: ECG leads */
  KRAIT_DATA_SLIDE = 3     /* a whole-slide image, read by the classifier from `source` (too large to pass) */
} KraitDataKind;

typedef struct KraitData {
  uint32_t struct_size;
  KraitDataKind kind;
  const char* source; /* the file or folder it came from; may be NULL */
  /* VOLUME: (C, Z, Y, X) voxels of any integer or floating type, i fastest (NIfTI/ITK order).
   * WAVEFORM: (channels, samples) float32 in microvolts. SLIDE: NULL. Owned by whoever filled the struct. */
  DLManagedTensor* tensor;
  /* VOLUME geometry in Krait's convention, LPS millimetres: spacing along i, j, k; origin of voxel (0,0,0);
   * direction row-major, column j the unit vector of index axis j (ITK's layout). */
  double spacing[3];
  double origin[3];
  double direction[9];
  /* WAVEFORM */
  double sampling_rate_hz;
  /* WAVEFORM lead names ("I", "II", "V1", ...); VOLUME channel names. May be 0 / NULL. */
  size_t channel_count;
  const char* const* channel_names;
  void* reader_state; /* the reader's own, for its release() */
} KraitData;

/* ---- Segmentation networks --------------------------------------------------------------------------------- */

typedef struct KraitNetwork KraitNetwork; /* the plugin's network instance, opaque to Krait */

/* The model Krait is loading: nnU-Net's files, as JSON text, and what it derived from them. */
typedef struct KraitNetworkSpec {
  uint32_t struct_size;
  const char* trainer;            /* the checkpoint's trainer_name, e.g. "nnUNetTrainer" */
  const char* configuration;      /* "3d_fullres", "2d", ... */
  const char* configuration_json; /* plans.json's configuration object, inherits_from resolved */
  const char* plans_json;         /* the whole plans.json */
  const char* dataset_json;       /* dataset.json */
  int64_t input_channels;         /* dataset.json's channels */
  int64_t output_channels;        /* segmentation heads: labels with background, or regions */
} KraitNetworkSpec;

/* Filled by create(). */
typedef struct KraitNetworkInfo {
  uint32_t struct_size;
  const char* name;        /* the architecture, for reports ("PlainConvUNet"); static storage */
  int32_t dims;            /* 2 or 3: the tiles it takes, (N, C, Y, X) or (N, C, Z, Y, X) */
  int64_t tile_divisor[3]; /* tile edges must be multiples of these (first `dims` entries; 1: any) */
} KraitNetworkInfo;

typedef struct KraitNamedTensor {
  const char* name; /* the state_dict key, e.g. "encoder.stages.0.0.convs.0.conv.weight" */
  const DLTensor* tensor;
} KraitNamedTensor;

typedef struct KraitNetworkKind {
  uint32_t struct_size;
  const char* trainer; /* the nnU-Net trainer class name whose checkpoints this network runs */
  void* user;          /* passed back to create() */
  KraitStatus (*create)(void* user, const KraitNetworkSpec* spec, KraitNetwork** network, KraitNetworkInfo* info,
                        KraitError* error);
  /* The checkpoint's network_weights, every key: refuse missing, unexpected or misshapen keys (strict, as
   * load_state_dict). Tensors are on the CPU, compact, and borrowed for the call: copy what you keep. Bool
   * tensors arrive as uint8 (DLPack 0.6 has no bool). */
  KraitStatus (*load_weights)(KraitNetwork* network, const KraitNamedTensor* weights, size_t count, KraitError* error);
  /* Moves the network to a device (kDLCPU, kDLCUDA) and floating type (float32, float16, bfloat16) before
   * the first forward; UNSUPPORTED for what it cannot run. */
  KraitStatus (*to)(KraitNetwork* network, DLDevice device, DLDataType dtype, KraitError* error);
  /* input (N, C, *tile) on the network's device and type, borrowed; *output (N, heads, *tile) logits of any
   * floating type on the same device, handed to Krait (which calls its deleter). Called from one thread at a
   * time per network (a batch over several GPUs creates one network per GPU). */
  KraitStatus (*forward)(KraitNetwork* network, const DLTensor* input, DLManagedTensor** output, KraitError* error);
  void (*destroy)(KraitNetwork* network);
} KraitNetworkKind;

/* ---- Classifiers ------------------------------------------------------------------------------------------------ */

typedef struct KraitClassifier KraitClassifier; /* an opened classifier model, opaque to Krait */

typedef struct KraitLabel {
  const char* id;        /* short, unique in the table: "AF", "tumour" */
  const char* name;      /* what a clinician reads: "atrial fibrillation" */
  const char* code;      /* a coded concept, "SCT:164889003", or "" */
  double threshold;      /* the score from which the label is called present */
} KraitLabel;

/* Filled by open(); valid until close(). */
typedef struct KraitClassifierInfo {
  uint32_t struct_size;
  const char* model_name;
  size_t label_count;
  const KraitLabel* labels;
  int32_t multi_label; /* 1: independent scores (sigmoid), 0: one class among them (softmax) */
} KraitClassifierInfo;

typedef struct KraitClassifierKind {
  uint32_t struct_size;
  const char* id;          /* e.g. "ecg-mamba-12lead" */
  KraitDataKind data_kind; /* what it classifies */
  const char* description;
  void* user;
  /* model: the model file or folder the user named (weights, spec); device: "cpu" or "cuda:N". */
  KraitStatus (*open)(void* user, const char* model, const char* device, KraitClassifier** classifier,
                      KraitClassifierInfo* info, KraitError* error);
  /* scores: label_count values written by the plugin. data is borrowed; progress may be NULL. */
  KraitStatus (*classify)(KraitClassifier* classifier, const KraitData* data, const KraitProgress* progress,
                          float* scores, KraitError* error);
  void (*close)(KraitClassifier* classifier);
} KraitClassifierKind;

/* ---- Readers ----------------------------------------------------------------------------------------------------- */

typedef struct KraitReaderKind {
  uint32_t struct_size;
  const char* id;          /* e.g. "wfdb" */
  KraitDataKind data_kind; /* what it reads */
  const char* description;
  const char* extensions;  /* ';'-separated, lower case, with the dot: ".hea;.dat" */
  void* user;
  /* 1 when this reader takes `path` (an extension it reads and, where it can tell, the content), else 0. */
  int (*can_read)(void* user, const char* path);
  /* Fills *data (whose struct_size Krait set); every pointer in it stays valid until release(), which frees
   * all of it, the tensor included (through its deleter). */
  KraitStatus (*read)(void* user, const char* path, KraitData* data, KraitError* error);
  void (*release)(void* user, KraitData* data);
} KraitReaderKind;

/* ---- Front-end contributions -------------------------------------------------------------------------------------- */

typedef struct KraitCommand {
  uint32_t struct_size;
  const char* name;    /* `krait NAME ...`; may not be one of Krait's own commands */
  const char* summary; /* one line for `krait --help` */
  void* user;
  /* argv[0] is NAME. Writes to stdout/stderr; returns the exit code (docs/cli.md's table: 0 ok, 2 usage, ...). */
  int (*run)(void* user, int argc, const char* const* argv);
} KraitCommand;

typedef struct KraitPanelKind {
  uint32_t struct_size;
  const char* id;
  const char* title;       /* the dock's title in krait-studio */
  KraitDataKind data_kind; /* files of this kind that the studio is asked to open go to open(); NONE: none */
  void* user;
  /* parent: the QWidget* the panel goes into. Returns the panel's QWidget* (Qt 6 Widgets: the plugin links the
   * Qt krait-studio links), or NULL with the error filled. */
  void* (*create)(void* user, void* parent, KraitError* error);
  /* Shows a file in the panel made by create(); may be NULL when data_kind is NONE. */
  KraitStatus (*open)(void* user, void* panel, const char* path, KraitError* error);
} KraitPanelKind;

/* ---- Operations Krait runs for plugins (ABI 1.1) -------------------------------------------------------------- */

/* Mamba's selective scan, mamba_ssm's selective_scan_fn: shapes as there, every tensor on one device, any strides.
 *   u, delta, z: (batch, channels, length)   A: (channels, state) float32
 *   B, C: (batch, state, length), or grouped (batch, groups, state, length)   D, delta_bias: (channels) float32
 * out[b,d,t] = (sum_n C[t,n] h[t,n] + D[d] u[b,d,t]) * silu(z[b,d,t]), h[t,n] = exp(dt A[d,n]) h[t-1,n] + dt B[t,n] u,
 * dt = softplus?(delta + delta_bias). Inputs float32, or on CUDA also float16/bfloat16 (at most 16 states there);
 * the state and the sums are float32 whatever the inputs (the CPU computes other floating types in float32, and
 * its backward pass float64 in float64). z, D and delta_bias may be NULL (absent). */
typedef struct KraitSelectiveScan {
  uint32_t struct_size;
  const DLTensor* u;
  const DLTensor* delta;
  const DLTensor* A;
  const DLTensor* B;
  const DLTensor* C;
  const DLTensor* D;
  const DLTensor* z;
  const DLTensor* delta_bias;
  int32_t delta_softplus; /* 1: dt = softplus(delta + delta_bias) */
} KraitSelectiveScan;

/* The scan's gradients given dL/d(out), each with its input's shape and type; NULL where the input is absent. */
typedef struct KraitSelectiveScanGradients {
  uint32_t struct_size;
  DLManagedTensor* u;
  DLManagedTensor* delta;
  DLManagedTensor* A;
  DLManagedTensor* B;
  DLManagedTensor* C;
  DLManagedTensor* D;
  DLManagedTensor* z;
  DLManagedTensor* delta_bias;
} KraitSelectiveScanGradients;

/* ---- The host ----------------------------------------------------------------------------------------------------- */

typedef struct KraitHost {
  uint32_t abi_version;      /* KRAIT_PLUGIN_ABI_VERSION of Krait */
  uint32_t struct_size;      /* sizeof(KraitHost) in Krait: members past it do not exist */
  const char* krait_version; /* "0.1.0" */
  void* context;             /* Krait's, passed back with every call below */
  void (*log)(void* context, KraitLogLevel level, const char* message);
  /* Each register_* copies the kind (struct_size bytes of it) and fails when the name is taken. */
  KraitStatus (*register_network)(void* context, const KraitNetworkKind* kind, KraitError* error);
  KraitStatus (*register_classifier)(void* context, const KraitClassifierKind* kind, KraitError* error);
  KraitStatus (*register_reader)(void* context, const KraitReaderKind* kind, KraitError* error);
  KraitStatus (*register_command)(void* context, const KraitCommand* command, KraitError* error);
  KraitStatus (*register_panel)(void* context, const KraitPanelKind* panel, KraitError* error);
  /* ABI 1.1; check struct_size before calling (KRAIT_HOST_HAS). The host table outlives the plugin's set-up, so a
   * plugin may keep it and call these from its networks and classifiers, from any thread.
   * *out: (batch, channels, length), u's type and device, handed to the plugin (which calls its deleter). */
  KraitStatus (*selective_scan)(void* context, const KraitSelectiveScan* scan, DLManagedTensor** out, KraitError* error);
  /* Fills *gradients (whose struct_size the plugin set); the plugin calls each tensor's deleter. */
  KraitStatus (*selective_scan_backward)(void* context, const KraitSelectiveScan* scan, const DLTensor* grad_out,
                                         KraitSelectiveScanGradients* gradients, KraitError* error);
  /* ABI 1.2. Reads the named tensors of a weights file without Python, as Krait reads checkpoints: safetensors, or a
   * torch.save archive of a state dict (the dict or OrderedDict that torch.save(model.state_dict(), path) writes; of
   * a checkpoint dict, its "state_dict", "model" or "network_weights" entry). Calls visit once per tensor, in the
   * file's order, with the tensor on the CPU, compact and borrowed for the call (copy what you keep); bool tensors
   * arrive as uint8. INPUT, naming the file, for a file it cannot read; nothing is visited then. */
  KraitStatus (*read_tensors)(void* context, const char* path, void* user,
                              void (*visit)(void* user, const char* name, const DLTensor* tensor), KraitError* error);
} KraitHost;

/* Whether a host table has `member` (a host of an older minor has not). */
#define KRAIT_HOST_HAS(host, member) \
  ((host)->struct_size >= offsetof(KraitHost, member) + sizeof(((KraitHost*)0)->member) && (host)->member != NULL)

/* Filled by krait_plugin_init. */
typedef struct KraitPluginInfo {
  uint32_t struct_size;
  const char* name;    /* unique among plugins: "plain-unet" */
  const char* version; /* the plugin's own: "1.0.0" */
  const char* description;
} KraitPluginInfo;

/* The two functions every plugin exports (C linkage, KRAIT_PLUGIN_EXPORT):
 *
 *   uint32_t krait_plugin_abi(void);
 *     returns the KRAIT_PLUGIN_ABI_VERSION the plugin was built with; Krait checks it before anything else.
 *   KraitStatus krait_plugin_init(const KraitHost* host, KraitPluginInfo* info, KraitError* error);
 *     fills *info and registers the plugin's kinds through `host`. On failure Krait removes whatever the
 *     plugin registered and unloads it; the host table is valid until the process ends.
 */
typedef uint32_t (*KraitPluginAbiFunction)(void);
typedef KraitStatus (*KraitPluginInitFunction)(const KraitHost* host, KraitPluginInfo* info, KraitError* error);

#ifdef __cplusplus
}
#endif

#endif /* KRAIT_PLUGIN_H_ */
