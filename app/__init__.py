"""The application factory."""

import logging

from flask import Flask, g, jsonify, redirect, request, url_for
from sqlalchemy import and_, bindparam, select
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from app import cli, connection_checks, errors, formatting, jobs, prices, readonly
from app.extensions import cache, compress, csrf, db, login_manager, migrate


def create_app(test_config=None, environ=None):
    """Create the app: settings from `environ` (default `os.environ`), then `test_config` on top."""
    app = Flask(__name__, instance_path=str(config.INSTANCE_DIR))
    app.config.update(config.from_env(environ))
    if test_config:
        app.config.update(test_config)
    config.INSTANCE_DIR.mkdir(exist_ok=True)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s")
    # Heroku's router terminates TLS and says so in X-Forwarded-Proto.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    register_extensions(app)
    register_blueprints(app)
    errors.register(app)
    formatting.register(app)
    cli.register(app)
    prices.init_app(app)
    jobs.init_app(app)
    return app


def register_extensions(app):
    """Bind every extension to this app."""
    db.init_app(app)
    with app.app_context():
        connection_checks.install(db.engine, app.config.get("DB_PING_AFTER_IDLE", connection_checks.PING_AFTER_IDLE))
    migrate.init_app(app, db, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    cache.init_app(app)
    compress.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from app.models import Portfolio, User
    readonly.init_app(app)

    # A page of one portfolio loads it with its owner in one query. Built once: making the statement and
    # its cache key again on every request cost as much as running it.
    user_with_portfolio = (
        select(User, Portfolio)
        .outerjoin(Portfolio, and_(Portfolio.owner_id == User.id, Portfolio.id == bindparam("portfolio_id")))
        .where(User.id == bindparam("user_id"))
    )

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return jsonify(error="Sign in first.", status=401), 401
        return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def load_user(user_id):
        if not user_id.isdigit():
            return None
        portfolio_id = (request.view_args or {}).get("portfolio_id")
        if isinstance(portfolio_id, int):
            # A page of one portfolio: fetch it with its owner in one query. The ownership check that
            # every such route makes (get_owned_portfolio) then finds it in the session, with no SQL.
            row = db.session.execute(user_with_portfolio,
                                     {"user_id": int(user_id), "portfolio_id": portfolio_id}).first()
            if row is None:
                return None
            g.portfolio_of_url = row[1]  # the session's identity map holds objects weakly: keep it for the request
            return row[0]
        return db.session.get(User, int(user_id))


def register_blueprints(app):
    """Mount one blueprint per feature."""
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.imports import bp as imports_bp
    from app.portfolios import bp as portfolios_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(portfolios_bp)
    app.register_blueprint(imports_bp)
