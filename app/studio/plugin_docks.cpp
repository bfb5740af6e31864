#include "plugin_docks.h"

#include <QDockWidget>
#include <QMainWindow>
#include <QWidget>

#include "krait/engine/plugins.h"

namespace krait::studio {

PluginDocks::PluginDocks(QMainWindow* window) : QObject(window), window_(window) {
  for (const PluginPanel& p : pluginPanels()) {
    auto* dock = new QDockWidget(QString::fromStdString(p.title), window);
    dock->setObjectName(QString::fromStdString("plugin:" + p.id));
    try {
      void* widget = createPluginPanel(p.id, dock);
      dock->setWidget(static_cast<QWidget*>(widget));
      window->addDockWidget(Qt::RightDockWidgetArea, dock);
      docks_[p.id] = {dock, widget};
    } catch (const std::exception& e) {
      delete dock;
      errors_ += QString::fromStdString(std::string(e.what()) + "\n");
    }
  }
}

QDockWidget* PluginDocks::dock(const std::string& panelId) const {
  const auto it = docks_.find(panelId);
  return it == docks_.end() ? nullptr : it->second.dock;
}

bool PluginDocks::open(const std::filesystem::path& file) {
  for (const PluginPanel& p : pluginPanels()) {
    const auto it = docks_.find(p.id);
    if (it == docks_.end() || p.kind == DataKind::None || p.kind == DataKind::Volume) continue;
    if (pluginReaderFor(file, p.kind).empty()) continue;
    openInPluginPanel(p.id, it->second.widget, file);
    QDockWidget* dock = it->second.dock;
    dock->show();
    // The panel's file is the document now: the docks beside it become tabs behind it, and the dock area takes
    // most of the window's width from the (empty) volume views.
    for (QDockWidget* other : window_->findChildren<QDockWidget*>())
      if (other != dock && other->isVisible() && !other->isFloating() &&
          window_->dockWidgetArea(other) == window_->dockWidgetArea(dock))
        window_->tabifyDockWidget(other, dock);
    dock->raise();
    window_->resizeDocks({dock}, {window_->width() * 3 / 4}, Qt::Horizontal);
    return true;
  }
  return false;
}

}  // namespace krait::studio
