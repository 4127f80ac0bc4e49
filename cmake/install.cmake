# find_package(pokebench) for installed copies: the patcher library, the
# support library it links (diagnostics sink) and their headers (the tools are installed as the `pokebench` executable).
include(CMakePackageConfigHelpers)

install(TARGETS pokebench_patcher pokebench_support EXPORT pokebenchTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY patcher/include/pokebench support/include/pokebench DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT pokebenchTargets NAMESPACE pokebench:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pokebench)

configure_package_config_file(cmake/pokebenchConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/pokebenchConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pokebench)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pokebenchConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pokebenchConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/pokebenchConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pokebench)
