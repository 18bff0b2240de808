"""The application factory."""

import logging

from flask import Flask, jsonify, redirect, request, url_for
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from app import cli, db_deadline, errors, formatting, headers, inputs, jobs, prices
from app.auth import throttle
from app.extensions import cache, compress, csrf, db, login_manager, migrate
from app.ops import install as ops


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
    ops.init_app(app)  # first: its timer starts before every other hook and stops after them
    headers.init_app(app)
    inputs.install_id_converter(app)
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
    db_deadline.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    cache.init_app(app)
    compress.init_app(app)
    throttle.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from app.models import User

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return jsonify(error="Sign in first.", status=401), 401
        return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def load_user(session_token):
        # The session carries the user's session token, not the id: a new token ends every old session.
        if not session_token or len(session_token) > 64:
            return None
        return db.session.scalar(select(User).where(User.session_token == session_token))


def register_blueprints(app):
    """Mount one blueprint per feature."""
    from app.api.routes import bp as api_bp
    from app.auth.routes import bp as auth_bp
    from app.imports.routes import bp as imports_bp
    from app.ops.views import bp as ops_bp
    from app.portfolios import income_routes  # noqa: F401 - the Income and Allocation pages join the portfolios bp
    from app.portfolios.routes import bp as portfolios_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(portfolios_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(ops_bp)
