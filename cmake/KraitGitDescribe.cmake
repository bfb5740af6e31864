# KRAIT_GIT_DESCRIBE: `git describe --tags --always --dirty` of the source tree when CMake configures, or
# "unknown" without git or outside a checkout (a source tarball: a git repository around it is not Krait's).
# CMake configures again when HEAD moves (a commit, a checkout), so a build never carries a stale commit; edits
# made after configuring are not seen until then, so "-dirty" says how the tree was at the last configure.
function(krait_git_describe)
  set(value "unknown")
  find_package(Git QUIET)
  if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
    execute_process(COMMAND "${GIT_EXECUTABLE}" describe --tags --always --dirty
      WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" RESULT_VARIABLE describe_failed
      OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT describe_failed AND describe)
      set(value "${describe}")
    endif()
    # HEAD, and the branch file it names when it names one; `--git-path` finds both in a worktree too. A branch
    # kept only in packed-refs has no file: depending on a missing file would configure on every build.
    execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --git-path HEAD
      WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" OUTPUT_VARIABLE head_file OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND "${GIT_EXECUTABLE}" symbolic-ref -q HEAD
      WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" OUTPUT_VARIABLE branch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    set(git_files "${head_file}")
    if(branch)
      execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --git-path "${branch}"
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" OUTPUT_VARIABLE branch_file OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      list(APPEND git_files "${branch_file}")
    endif()
    foreach(file IN LISTS git_files)
      get_filename_component(file "${file}" ABSOLUTE BASE_DIR "${PROJECT_SOURCE_DIR}")
      if(EXISTS "${file}")
        set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
      endif()
    endforeach()
  endif()
  # Global, so that tests can compare what the programs print with it.
  set(KRAIT_GIT_DESCRIBE "${value}" CACHE INTERNAL "git describe of the source tree at the last configure")
endfunction()
krait_git_describe()
