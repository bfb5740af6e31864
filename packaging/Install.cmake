# What `cmake --install` puts where: the programs, Krait's libraries, the public headers (LibTorch-free: base,
# io, the engine API, the plugin SDK) and KraitConfig.cmake, so that plugins and applications build against an
# installed Krait with find_package(Krait) (docs/plugins.md). Plugins installed with Krait go to
# <libdir>/krait/plugins, where the engine looks for them. What a plugin or application is built with (headers, the
# libraries' unversioned links, the CMake package) is the dev component; the rest is the default one, krait
# (packaging/Packaging.cmake).
include(CMakePackageConfigHelpers)

file(STRINGS plugins/sdk/include/krait/plugin.h abi REGEX "#define KRAIT_PLUGIN_ABI_(MAJOR|MINOR) ")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*" "\\1.\\2" KRAIT_PLUGIN_ABI "${abi}")

set_target_properties(krait_base PROPERTIES EXPORT_NAME base)
set_target_properties(krait PROPERTIES EXPORT_NAME engine)
set_target_properties(krait_plugin_sdk PROPERTIES EXPORT_NAME plugin_sdk)
set(libraries krait_base krait krait_plugin_sdk)
set(headers core/base/include/ core/engine/include/ plugins/sdk/include/)
if(KRAIT_WITH_IO)
  set_target_properties(krait_io PROPERTIES EXPORT_NAME io)
  list(APPEND libraries krait_io)
  list(APPEND headers io/include/)
endif()
install(TARGETS ${libraries} EXPORT KraitTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(FILES ${PROJECT_BINARY_DIR}/core/engine/include/krait/engine/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/krait/engine
  COMPONENT dev)
# The model store's header is part of the engine API (krait/engine/segmenter.h includes it).
install(FILES models/include/krait/models/nnunet/model_store.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/krait/models/nnunet
  COMPONENT dev)

set(config ${CMAKE_INSTALL_LIBDIR}/cmake/Krait)
install(EXPORT KraitTargets NAMESPACE Krait:: DESTINATION ${config} COMPONENT dev)
configure_package_config_file(cmake/KraitConfig.cmake.in ${PROJECT_BINARY_DIR}/KraitConfig.cmake INSTALL_DESTINATION ${config})
# 0.x: a plugin or application built against 0.1 asks for 0.1.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/KraitConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/KraitConfig.cmake ${PROJECT_BINARY_DIR}/KraitConfigVersion.cmake cmake/KraitPlugin.cmake
  DESTINATION ${config} COMPONENT dev)
install(DIRECTORY DESTINATION ${CMAKE_INSTALL_LIBDIR}/krait/plugins)
# The bundled demonstration models (resources/models: model folders with their manifests and cards), which
# libkrait finds from its own folder (models::bundledModelsDir).
install(DIRECTORY resources/models/ DESTINATION ${CMAKE_INSTALL_DATADIR}/krait/models)
if(KRAIT_WITH_IO)
  # The segment terminology table DICOM SEGs are coded with, which libkrait_io finds from its own folder
  # (io::defaultTerminologyFile).
  install(DIRECTORY resources/terminology DESTINATION ${CMAKE_INSTALL_DATADIR}/krait)
endif()
