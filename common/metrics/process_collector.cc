#include "common/metrics/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace berth::metrics {
namespace {

prometheus::MetricFamily Gauge(const std::string& name, const std::string& help, double value,
                               prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(metric);
  return family;
}

int CountOpenFds() {
  int count = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (struct dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(dir);
  }
  return count - 1;  // the directory stream's own fd
}

double BootTimeSeconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  while (stat >> key) {
    if (key == "btime") {
      double btime = 0;
      stat >> btime;
      return btime;
    }
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::ifstream stat_file("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the parenthesised command name, which may contain spaces.
  std::istringstream rest(content.substr(content.rfind(')') + 2));
  std::vector<std::string> fields;
  std::string field;
  while (rest >> field) fields.push_back(field);
  // Indexes relative to field 3 (state): utime=14, stime=15, num_threads=20,
  // starttime=22, vsize=23, rss=24 in proc(5) numbering.
  auto at = [&](int proc_index) -> double {
    size_t i = static_cast<size_t>(proc_index - 3);
    return i < fields.size() ? std::stod(fields[i]) : 0.0;
  };
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  struct rlimit limit {};
  ::getrlimit(RLIMIT_NOFILE, &limit);

  std::vector<prometheus::MetricFamily> families;
  families.push_back(Gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                           (at(14) + at(15)) / ticks, prometheus::MetricType::Counter));
  families.push_back(Gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
                           at(24) * page));
  families.push_back(Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", at(23)));
  families.push_back(Gauge("process_open_fds", "Number of open file descriptors.", CountOpenFds()));
  families.push_back(Gauge("process_max_fds", "Maximum number of open file descriptors.",
                           static_cast<double>(limit.rlim_cur)));
  families.push_back(Gauge("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           BootTimeSeconds() + at(22) / ticks));
  families.push_back(Gauge("process_threads", "Number of OS threads in the process.", at(20)));
  return families;
}

}  // namespace berth::metrics
