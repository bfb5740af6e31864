# krait_add_plugin(NAME sources...): a Krait plugin, a shared module named NAME.so that exports only the two
# entry points KRAIT_PLUGIN defines (everything else hidden, so plugins cannot clash with each other or with
# Krait). Put NAME.so, or a folder NAME/ holding it, in a plugin folder (docs/plugins.md). Installed with
# KraitConfig.cmake; Krait's own test plugins use it too.
function(krait_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${name} PRIVATE Krait::plugin_sdk)
  # A plugin that uses LibTorch shares the process's LibTorch with Krait: it must be the same version.
  if(DEFINED Krait_TORCH_VERSION AND DEFINED Torch_VERSION AND NOT Torch_VERSION VERSION_EQUAL Krait_TORCH_VERSION)
    message(WARNING "Plugin ${name}: LibTorch ${Torch_VERSION} found, but Krait was built with ${Krait_TORCH_VERSION}; "
                    "the plugin must be built against the same LibTorch (set Torch_DIR)")
  endif()
endfunction()
